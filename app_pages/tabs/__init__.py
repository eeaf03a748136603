"""Tab fragments of the Ten Year Test page (Pooling, Uncertainty, Downloads); pages live one level up."""
