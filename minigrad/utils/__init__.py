"""Small utilities shared by the library (PyTorch's ``torch.utils``)."""
