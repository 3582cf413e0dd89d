"""The administrative tree 市 > 县 > 乡镇 > 村 and the scope queries built on it."""
