"""The auditor's loop (issue 23): corrections as data with lineage, the changes they make, the review queue."""
