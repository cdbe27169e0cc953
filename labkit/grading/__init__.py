"""Grading exercises: checks declared per exercise, a sandboxed runner, reports and gradebooks.

>>> from labkit import grading
>>> report = grading.grade("01-multi-stage", "exercises/01-multi-stage")   # doctest: +SKIP
>>> print(report.as_text())                                                 # doctest: +SKIP
"""

from .._exceptions import GraderError
from .exercises import EXERCISES, folder, get
from .model import Check, CheckResult, Exercise, Limits, Report, Verdict
from .runner import grade, grade_class

__all__ = ["EXERCISES", "Check", "CheckResult", "Exercise", "GraderError", "Limits", "Report", "Verdict", "folder", "get", "grade", "grade_class"]
