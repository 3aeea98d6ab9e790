"""Every symbol of the native module has a Python wrapper that uses it (the public API lives in python/ember)."""
import os
import re

import ember._native as native

PKG = os.path.join(os.path.dirname(__file__), "..", "python", "ember")


def _python_sources() -> str:
    text = []
    for root, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    text.append(fh.read())
    return "\n".join(text)


def test_every_native_symbol_is_wrapped():
    src = _python_sources()
    names = [n for n in dir(native) if not n.startswith("_")]
    assert names, "the native module exports nothing"
    missing = [n for n in names if not re.search(rf"_native\.{n}\b|\b{n}\b", src)]
    assert missing == []


def test_every_native_method_is_called_from_python():
    src = _python_sources()
    unused = []
    for cls in (native.Session, native.DataFrame, native.Column):
        for m in dir(cls):
            if m.startswith("_") and m != "__arrow_c_stream__":
                continue
            if not re.search(rf"\.{re.escape(m)}\(", src):
                unused.append(f"{cls.__name__}.{m}")
    assert unused == []


def test_pyspark_import_paths_exist():
    import ember.errors as errors
    import ember.sql.utils as utils

    for name in ("AnalysisException", "ParseException", "IllegalArgumentException", "StreamingQueryException", "PySparkTypeError", "PySparkValueError"):
        assert hasattr(errors, name)
    assert utils.AnalysisException is errors.AnalysisException
    assert issubclass(errors.ParseException, errors.AnalysisException)
    assert issubclass(errors.PySparkTypeError, TypeError)
