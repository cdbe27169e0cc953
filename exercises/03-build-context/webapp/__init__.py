"""The notes-api's request handling."""

VERSION = "1.4.2"
