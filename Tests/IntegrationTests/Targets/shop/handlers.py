"""Request handling that leaves cycles through frames and closures (for paths_target.py)."""


class Aborted(Exception):
    pass


class Request(object):
    pass


class Handler(object):
    def handle(self):
        # Aborted -> __traceback__ -> traceback -> tb_frame -> frame Handler.handle -> local `request` -> .error -> Aborted
        request = Request()
        try:
            raise Aborted()
        except Aborted as error:
            request.error = error
        return request


def remember_failure():
    # The same loop, and a shorter one beside it (Request.me): the path still shows the exception.
    request = Request()
    request.me = request
    try:
        raise Aborted()
    except Aborted as error:
        request.error = error
    return request


def capture():
    # An exception whose traceback holds only this frame (and, through f_back, a live caller).
    try:
        raise Aborted()
    except Aborted as error:
        return error


class Outer(object):
    def make(self):
        # function -> __closure__ -> cell -> function
        def inner():
            return inner
        return inner
