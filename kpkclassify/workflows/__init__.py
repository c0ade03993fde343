"""What a user does with the library: classify or preprocess files, train, evaluate and compare,
report, suggest what to label next. Uses every layer below; the CLI calls only these.
"""
