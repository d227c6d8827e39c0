# ruff: noqa: E501
"""The seed's own IoU, GIoU, DIoU and CIoU code, checked by CV-5c against the formulas.

Source: seed 003, question 8 ("8、手写IOU、GIOU、DIOU、CIOU的代码"), four snippets that
the seed's text flattened onto one line each. They are re-indented here line by line and
otherwise kept as written (names, comments, docstrings, the ``max(0, ·)`` clamps, ``int()``
and ``float()``), except that each snippet's ``import cv2``, ``import numpy as np`` and its
``main()`` demo (which only draws the boxes with OpenCV) are left out; the demos' boxes are
kept below (:data:`DEMOS`). Nothing else in the project imports OpenCV.

Two things in this code are not in the formulas: the DIoU and CIoU snippets clamp each box
centre at 0 (``d_x1 = max(0, (box1[2] + box1[0])/2)``) and clamp the centre differences at
0 before squaring them (``max(0,(d_x2 - d_x1))**2``), and the CIoU snippet divides by each
box's height (``atan(w/h)``). CV-5c's search shows what each does.
"""

from math import atan, pi

# the seed's demo boxes (x1, y1, x2, y2) per function, from its main() functions
DEMOS = {"IOU_score": ([50, 50, 300, 300], [51, 51, 301, 301]),
         "GIOU_score": ([50, 50, 300, 300], [100, 100, 400, 400]),
         "DIOU_score": ([50, 50, 300, 300], [250, 80, 400, 350]),
         "CIOU_score": ([50, 50, 300, 300], [100, 80, 200, 260])}


def IOU_score(box1,box2):
    """
    计算两个区域的iou的值
    para: box1 区域1的两个角的坐标值 x1,y1,x2,y2
    para: box2 区域2的两个角的坐标值 x1,y1,x2,y2
    """
    # 两个框的交
    iou_x1 = max(box1[0], box2[0])
    iou_y1 = max(box1[1], box2[1])
    iou_x2 = min(box1[2], box2[2])
    iou_y2 = min(box1[3], box2[3])
    # 上面求出来的为交集的两个角的坐标
    area_inter = max(0,(iou_x2 - iou_x1)) * max(0 , (iou_y2 - iou_y1))
    # 计算两个区域的并集
    area_all = ((box1[2] - box1[0]) * (box1[3] - box1[1])) + ((box2[2] - box2[0]) * (box2[3] - box2[1])) - area_inter
    center_x = int((iou_x1 + iou_x2) / 2)
    center_y = int((iou_y2 + iou_y1) / 2)
    return float(area_inter / area_all) , (center_x,center_y)


def GIOU_score(box1,box2):
    """
    计算两个区域的iou的值
    para: box1 区域1的两个角的坐标值 x1,y1,x2,y2
    para: box2 区域2的两个角的坐标值 x1,y1,x2,y2
    """
    # 两个框的交
    iou_x1 = max(box1[0], box2[0])
    iou_y1 = max(box1[1], box2[1])
    iou_x2 = min(box1[2], box2[2])
    iou_y2 = min(box1[3], box2[3])
    g_iou_x1 = min(box1[0], box2[0])
    g_iou_y1 = min(box1[1], box2[1])
    g_iou_x2 = max(box1[2], box2[2])
    g_iou_y2 = max(box1[3], box2[3])
    # 上面求出来的为交集的两个角的坐标
    area_inter = max(0,(iou_x2 - iou_x1)) * max(0 , (iou_y2 - iou_y1))
    # 计算两个区域的并集
    area_union = max(0,((box1[2] - box1[0]) * (box1[3] - box1[1])) + ((box2[2] - box2[0]) * (box2[3] - box2[1])) - area_inter)
    # 计算最小外接矩形
    area_all = max(0,(g_iou_x2 - g_iou_x1) * (g_iou_y2 - g_iou_y1))
    g_iou = max(0,area_inter/area_union) - max(0,area_all - area_union) / area_all
    return float(g_iou) , (iou_x1,iou_y1,iou_x2,iou_y2) , (g_iou_x1,g_iou_y1,g_iou_x2,g_iou_y2)


def DIOU_score(box1,box2):
    """
    计算两个区域的iou的值
    para: box1 区域1的两个角的坐标值 x1,y1,x2,y2
    para: box2 区域2的两个角的坐标值 x1,y1,x2,y2
    """
    # 两个框的交
    iou_x1 = max(box1[0], box2[0])
    iou_y1 = max(box1[1], box2[1])
    iou_x2 = min(box1[2], box2[2])
    iou_y2 = min(box1[3], box2[3])
    d_x1 = max(0, (box1[2] + box1[0])/2)
    d_y1 = max(0, (box1[3] + box1[1])/2)
    d_x2 = max(0, (box2[2] + box2[0])/2)
    d_y2 = max(0, (box2[3] + box2[1])/2)
    c_x1 = min(box1[0], box2[0])
    c_y1 = min(box1[1], box2[1])
    c_x2 = max(box1[2], box2[2])
    c_y2 = max(box1[3], box2[3])
    # 上面求出来的为交集的两个角的坐标
    area_inter = max(0,(iou_x2 - iou_x1)) * max(0 , (iou_y2 - iou_y1))
    # 计算两个区域的并集
    area_union = max(0,((box1[2] - box1[0]) * (box1[3] - box1[1])) + ((box2[2] - box2[0]) * (box2[3] - box2[1])) - area_inter)
    # 计算最小外接矩形
    c_2 = max(0,(c_x2 - c_x1))**2 + max(0,(c_y2 - c_y1))**2
    d_2 = max(0,(d_x2 - d_x1))**2 + max(0,(d_y2 - d_y1))**2
    g_iou = max(0,area_inter/area_union) - d_2/c_2
    return float(g_iou) , (iou_x1,iou_y1,iou_x2,iou_y2) , (c_x1,c_y1,c_x2,c_y2), (int(d_x1),int(d_y1),int(d_x2),int(d_y2))


def CIOU_score(box1,box2):
    """
    计算两个区域的iou的值
    para: box1 区域1的两个角的坐标值 x1,y1,x2,y2
    para: box2 区域2的两个角的坐标值 x1,y1,x2,y2
    """
    # 两个框的交
    iou_x1 = max(box1[0], box2[0])
    iou_y1 = max(box1[1], box2[1])
    iou_x2 = min(box1[2], box2[2])
    iou_y2 = min(box1[3], box2[3])
    d_x1 = max(0, (box1[2] + box1[0])/2)
    d_y1 = max(0, (box1[3] + box1[1])/2)
    d_x2 = max(0, (box2[2] + box2[0])/2)
    d_y2 = max(0, (box2[3] + box2[1])/2)
    c_x1 = min(box1[0], box2[0])
    c_y1 = min(box1[1], box2[1])
    c_x2 = max(box1[2], box2[2])
    c_y2 = max(box1[3], box2[3])
    w_gt = max(0,box2[2] - box2[0])
    h_gt = max(0,box2[3] - box2[1])
    w = max(0,box1[2] - box1[0])
    h = max(0,box1[3] - box1[1])
    # 上面求出来的为交集的两个角的坐标
    area_inter = max(0,(iou_x2 - iou_x1)) * max(0 , (iou_y2 - iou_y1))
    # 计算两个区域的并集
    area_union = max(0,((box1[2] - box1[0]) * (box1[3] - box1[1])) + ((box2[2] - box2[0]) * (box2[3] - box2[1])) - area_inter)
    iou = max(0,area_inter/area_union)
    c_2 = max(0,(c_x2 - c_x1))**2 + max(0,(c_y2 - c_y1))**2
    d_2 = max(0,(d_x2 - d_x1))**2 + max(0,(d_y2 - d_y1))**2
    v = 4/pi**2 * (atan(w_gt/h_gt) - atan(w/h))**2
    alpha = v / (1-iou + v)
    c_iou = iou - d_2/c_2 - alpha * v
    return float(c_iou) , (iou_x1,iou_y1,iou_x2,iou_y2) , (c_x1,c_y1,c_x2,c_y2), (int(d_x1),int(d_y1),int(d_x2),int(d_y2))
