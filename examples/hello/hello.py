"""The tutorial's tiny module: a function worth testing."""


def add(x, y):
    """Add two numbers."""
    return x + y


if __name__ == "__main__":
    print(add(1, 2))
