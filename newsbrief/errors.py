"""The exceptions newsbrief raises. The CLI turns each into one line and an exit code."""


class NewsbriefError(Exception):
    """Base class: a user-facing error with a message that names the input and the problem."""

    exit_code = 1


class InputError(NewsbriefError):
    """An input file, record or field cannot be used."""

    exit_code = 2


class NoUsableInput(InputError):
    """Every input was skipped, so there is nothing to work on."""


class StoreError(NewsbriefError):
    """The database cannot be opened, migrated or written."""

    exit_code = 3


class NotFound(NewsbriefError):
    """An id (event, article, feed) that does not exist."""

    exit_code = 4


class UnknownEvent(NotFound):
    """An event id the store has never had."""


class NoBriefYet(NotFound):
    """An event whose articles are stored but whose first brief is not built yet (ingested
    with ``--refresh none``, or its brief failed): the next refresh builds it."""


class MissingDependency(NewsbriefError):
    """An optional part is used without its extra installed."""

    exit_code = 5

    def __init__(self, module: str, extra: str):
        super().__init__(
            f"{module} is not installed; install it with: pip install 'newsbrief[{extra}]'"
        )
