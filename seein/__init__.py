"""Seein' In: look inside trained convolutional networks.

Every layer's activations for thousands of images, as scatter plots and
scatter-plot matrices of millions of points, linked to the images, the
feature maps and each other.
"""

__version__ = "0.1.0"
