"""One builder function per panel; layout (rows, widths) is the boards' business."""
