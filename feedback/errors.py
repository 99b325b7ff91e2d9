"""The feedback app's errors: subclasses of layers.errors, their codes in layers.error_codes."""

from layers.errors import ApiError, NotFound


class ServiceNotFound(NotFound):
    code = "service_not_found"


class RequestNotFound(NotFound):
    """An unknown report, or one the caller may not see (alike)."""

    code = "request_not_found"


class OutsideProvince(ApiError):
    code = "outside_province"


class TransitionNotAllowed(ApiError):
    code = "transition_not_allowed"


class RatingNotOpen(ApiError):
    code = "rating_not_open"
