"""The one kind of error services raise for a problem the person can fix."""


class ServiceError(ValueError):
    """A problem the person can fix, worded for them: one message, on a field when it belongs to one.

    `errors` holds a message per field ("" for the form as a whole), so a view can show every problem at once.
    """

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or {field or "": message}

    @classmethod
    def by_field(cls, errors: dict[str, str]) -> "ServiceError":
        """One error carrying several fields' messages; the first field is the one it is "on"."""
        field = next(iter(errors))
        return cls("; ".join(errors.values()), field or None, errors)
