"""File paths and names in the idiom of each language's ecosystem and test runner."""

from __future__ import annotations

from dataclasses import dataclass

from argus_flink.generator.templates import Language


@dataclass(frozen=True, slots=True)
class Codebase:
    """Naming rules for one project: pytest, Playwright (TypeScript) or JUnit (Java)."""

    language: Language
    package: str  # dotted, such as "acme.billing"

    @property
    def _java_dir(self) -> str:
        return self.package.replace(".", "/")

    def function_name(self, *words: str) -> str:
        if self.language is Language.PYTHON:
            return "_".join(words)
        return words[0] + "".join(word.capitalize() for word in words[1:])

    def source_files(self, noun: str) -> tuple[str, ...]:
        klass = noun.capitalize()
        if self.language is Language.PYTHON:
            return (f"app/{noun}s/service.py", f"app/{noun}s/models.py")
        if self.language is Language.TYPESCRIPT:
            return (f"src/services/{noun}.ts", f"src/components/{klass}Form.tsx")
        base = f"src/main/java/com/{self._java_dir}/{noun}"
        return (f"{base}/{klass}Service.java", f"{base}/{klass}Repository.java")

    def shared_source_file(self) -> str:
        """A file most of the suite touches indirectly."""
        if self.language is Language.PYTHON:
            return "app/core/db.py"
        if self.language is Language.TYPESCRIPT:
            return "src/lib/http.ts"
        return f"src/main/java/com/{self._java_dir}/core/HttpClientConfig.java"

    def test_identity(self, noun: str, words: list[str]) -> tuple[str, str, str]:
        """(test name as the runner reports it, function name, test file path)."""
        if self.language is Language.PYTHON:
            function = "test_" + "_".join(words)
            return function, function, f"tests/{noun}s/test_{noun}s.py"
        if self.language is Language.TYPESCRIPT:
            name = f"{noun} › {' '.join(words)}"
            return name, name, f"tests/e2e/{noun}.spec.ts"
        function = self.function_name(*words)
        klass = f"{noun.capitalize()}ServiceTest"
        path = f"src/test/java/com/{self._java_dir}/{noun}/{klass}.java"
        return f"{klass}.{function}", function, path

    def request_handler(self, noun: str) -> tuple[str, str]:
        """(file, function) of the HTTP handler through which a server-side error surfaces."""
        klass = noun.capitalize()
        if self.language is Language.PYTHON:
            return f"app/{noun}s/routes.py", f"post_{noun}"
        if self.language is Language.TYPESCRIPT:
            return f"src/routes/{noun}s.ts", f"{klass}Router.handle"
        return f"src/main/java/com/{self._java_dir}/{noun}/{klass}Controller.java", f"create{klass}"
