def test_package_imports():
    import wellposed
    assert wellposed._core.__doc__.startswith("wellposed")
