"""What is kept between one build or validation and the next, and watching for edits."""
