"""A coroutine suspended with a cycle through its local (for paths_target.py)."""


class Pause(object):
    def __await__(self):
        yield


class Service(object):
    async def serve(self, request):
        await Pause()
        return request
