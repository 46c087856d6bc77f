class DomainError(Exception):
    """A broken business rule, with a message fit to show the person who caused it.

    Views show it as a form error or a message; consumers send it back as an
    `error` frame with `code`.
    """

    def __init__(self, message, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code
