@testable import PyHeapReader
import Testing

/// How a code object's file is shown on a path.
@Suite struct SourceFilesTests {
    let sysPath = ["/srv/app", "", "/opt/py/lib/python312.zip", "/opt/py/lib/python3.12", "/opt/py/lib/python3.12/lib-dynload",
                   "/srv/app/venv/lib/python3.12/site-packages", "relative/dir", "/"]

    @Test func relativeToTheLongestSysPathEntry() {
        let files = SourceFiles(sysPath: sysPath)
        #expect(files.display("/srv/app/venv/lib/python3.12/site-packages/django/core/handlers/asgi.py") == "django/core/handlers/asgi.py")
        #expect(files.display("/srv/app/shop/views.py") == "shop/views.py")
        #expect(files.display("/opt/py/lib/python3.12/asyncio/base_events.py") == "asyncio/base_events.py")
        #expect(files.display("/srv/app//shop/./x/../views.py") == "shop/views.py")
        // An entry is a directory: /srv/application is not under /srv/app.
        #expect(files.display("/srv/application/main.py") == "…/application/main.py")
    }

    @Test func withoutSysPathAfterSitePackagesOrTheStandardLibrary() {
        let files = SourceFiles(sysPath: nil)
        #expect(files.display("/srv/app/venv/lib/python3.12/site-packages/django/core/handlers/asgi.py") == "django/core/handlers/asgi.py")
        #expect(files.display("/usr/lib/python3/dist-packages/apt/cache.py") == "apt/cache.py")
        #expect(files.display("/opt/py/lib/python3.12/asyncio/base_events.py") == "asyncio/base_events.py")
        #expect(files.display("/opt/py/lib/python3.13t/json/decoder.py") == "json/decoder.py")
        #expect(files.display("/home/alice/proj/app/main.py") == "…/app/main.py")
    }

    @Test func underNoEntryTheParentAndName() {
        let files = SourceFiles(sysPath: sysPath)
        #expect(files.display("/home/alice/work/tool/run.py") == "…/tool/run.py")
        #expect(files.display("/srv/run.py") == "/srv/run.py")
        #expect(files.display("/run.py") == "/run.py")
    }

    @Test func namesThatAreNotAbsolutePathsAsTheyAre() {
        let files = SourceFiles(sysPath: sysPath)
        #expect(files.display("<frozen importlib._bootstrap>") == "<frozen importlib._bootstrap>")
        #expect(files.display("<string>") == "<string>")
        #expect(files.display("tool/run.py") == "tool/run.py")
    }
}
