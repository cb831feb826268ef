"""`render --templates DIR`: the user's own templates, overriding shipped ones by name.

A user template is code from outside ingressgen, so it gets less trust than a shipped one:

- It runs in Jinja's immutable sandbox with no globals but `range`, a short list of filters
  (no `random`, no `lipsum`: the output stays deterministic) and only the templates in memory
  (the shipped ones and the user's, read once): `include` and `import` reach nothing else.
- Every `{{ ... }}` must end in `q`, `dq` or `block`, checked on the parsed template before
  anything renders (and again by `finalize` while it renders), and `{% filter %}` blocks,
  which could rewrite quoted text after the fact, are refused.
- The objects are rendered in a forked child with a CPU-time and address-space limit and an
  output cap, so a loop or a memory bomb is a located error, not a hang.
- Each rendered text must parse back to exactly the planned object, and every value printed
  must read back intact as one scalar of it (a value that became YAML structure would not):
  either failure names the template and line, exit 2. The schema and API-server checks run on
  the result as on any render.

A file rendered from a user template says so in a comment, so `render --check` without the same
`--templates` reports it as drift.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import yaml
from jinja2 import BaseLoader, TemplateNotFound, Undefined, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ingressgen.errors import InputError, Location, Problem
from ingressgen.plan import PlannedObject, RenderedObject
from ingressgen.rendering import TEMPLATE_RULES, templates_dir
from ingressgen.yaml_io import StrictLoader
from ingressgen.yaml_scalars import YamlText, block, quoted, scalar

RULE = "user-template"
MAX_TEMPLATE_BYTES = 256 * 1024
MAX_OUTPUT_CHARS = 1024 * 1024  # per object; a real one is a few kilobytes
CPU_SECONDS = 20  # for every user-template render of a run together
MEMORY_HEADROOM = 512 * 1024 * 1024  # bytes of address space the child may add to the parent's
QUOTING_FILTERS = ("q", "dq", "block")
# Filters that only reshape values and cannot print one unquoted (the output still has to end in
# a quoting filter). Left out: random (not deterministic), and those that can build a huge
# string from a small input (center, indent, wordwrap, format, truncate...).
_ALLOWED_FILTERS = frozenset(
    {"abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "first"}
    | {"float", "groupby", "int", "items", "join", "last", "length", "list", "lower", "map"}
    | {"max", "min", "reject", "rejectattr", "replace", "reverse", "round", "select"}
    | {"selectattr", "slice", "sort", "string", "sum", "title", "trim", "unique", "upper"}
)
TEMPLATE_NOTE = "# Template: {names} from --templates (not shipped with ingressgen)\n"


class _Printed(YamlText):
    """A quoted value that remembers what it quoted, so the render can check it reads back."""

    __slots__ = ("_source",)
    _source: Any


def _recording(function: Any) -> Any:
    def quote(value: Any, *args: Any) -> _Printed:
        if isinstance(value, Undefined):
            str(value)  # StrictUndefined raises here with Jinja's own message
        text = _Printed(function(value, *args))
        text._source = value
        return text

    return quote


class _Loader(BaseLoader):
    """Templates from memory only: nothing is read from disk while a template renders."""

    def __init__(self, sources: Mapping[str, tuple[str, str]]) -> None:
        self.sources = sources  # name -> (source, file name shown in messages)

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        if template not in self.sources:
            raise TemplateNotFound(template)
        source, filename = self.sources[template]
        return source, filename, lambda: True


@dataclass
class _RenderState:
    printed: list[Any]  # the values finalize has seen, in order
    used: set[str]  # every template loaded, includes and imports too


@dataclass(frozen=True)
class _Rendered:
    """What the child sends back for one object."""

    text: str
    positions: list[tuple[int, str, int]]  # (output offset, template file, line) per chunk
    printed: list[tuple[Any, int]]  # (value, output offset of its chunk)
    used: frozenset[str]  # the templates it was rendered from


class _Environment(ImmutableSandboxedEnvironment):
    """Records every template a render loads: an overridden fragment marks the object too."""

    state: _RenderState

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> Any:
        self.state.used.add(str(name))
        return super().get_template(name, parent, globals)


def _environment(sources: Mapping[str, tuple[str, str]], state: _RenderState) -> Any:
    def only_quoted(value: Any) -> YamlText:
        if isinstance(value, _Printed):
            state.printed.append(value._source)
        if isinstance(value, YamlText):
            return value
        raise _Refused("prints a value without the q, dq or block filter")

    env = _Environment(
        loader=_Loader(sources), finalize=only_quoted, cache_size=-1, **TEMPLATE_RULES
    )
    env.filters = {name: env.filters[name] for name in _ALLOWED_FILTERS}
    env.filters.update(q=_recording(scalar), dq=_recording(quoted), block=_recording(block))
    env.globals = {"range": env.globals["range"]}  # the sandbox's, capped at 100,000 items
    env.state = state
    return env


class _ChildFailed(Exception):
    """The bounded child was stopped or died; the message says how."""


class _Refused(Exception):
    """A user template did something it may not; the message says what."""


@dataclass(frozen=True)
class UserTemplates:
    folder: str  # as given, for messages
    sources: Mapping[str, tuple[str, str]]  # every template by name: (source, shown file name)
    overridden: frozenset[str]  # the names the user's folder provides

    def render_objects(self, planned: Sequence[PlannedObject]) -> list[RenderedObject]:
        """Render every object (the user's templates where they override), in a bounded child,
        and check each text against its plan."""
        try:
            results = _in_bounded_child(lambda: self._render_all(planned))
        except _ChildFailed as failed:
            message = f"rendering the user templates {failed}; nothing was written"
            raise InputError(problems=[_problem(self.folder, None, message)]) from None
        problems: list[Problem] = []
        rendered: list[RenderedObject] = []
        for obj, result in zip(planned, results, strict=True):
            if isinstance(result, Problem):
                problems.append(result)
                continue
            checked = self._parse_back(obj, result)
            if isinstance(checked, Problem):
                problems.append(checked)
            else:
                rendered.append(checked)
        if problems:
            raise InputError(problems=problems)
        return rendered

    # ---- in the child ----

    def _render_all(self, planned: Sequence[PlannedObject]) -> list[Problem | _Rendered]:
        # One environment for the run: each template is compiled once, whatever the objects.
        state = _RenderState([], set())
        env = _environment(self.sources, state)
        return [self._render(obj, env, state) for obj in planned]

    def _render(self, planned: PlannedObject, env: Any, state: _RenderState) -> Problem | _Rendered:
        positions: list[tuple[int, str, int]] = []  # (output offset, file, line) per chunk
        chunks: list[str] = []
        printed: list[tuple[Any, int]] = []  # (value, output offset of its chunk)
        size = 0
        try:
            template = env.get_template(planned.template)
            # Only what this object prints (a constant folded at compile time is the
            # template's own text, not a profile's value).
            state.printed.clear()
            state.used = {planned.template}
            generator = template.generate(**planned.context)
            for chunk in generator:
                positions.append((size, *_current_position(generator, self.sources)))
                # The values finalize saw since the last chunk were printed in this one.
                printed.extend((value, size) for value in state.printed[len(printed) :])
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise _Refused(
                        f"renders more than {MAX_OUTPUT_CHARS} characters for one object"
                    )
        except Exception as error:  # a user template can fail in any way: each is located
            return self._located_failure(planned, error, positions)
        return _Rendered("".join(chunks), positions, printed, frozenset(state.used))

    def _located_failure(
        self, planned: PlannedObject, error: Exception, positions: list[tuple[int, str, int]]
    ) -> Problem:
        where = _innermost_template_frame(error.__traceback__, self.sources)
        if where is None and positions:
            where = positions[-1][1:]
        file, line = where or (self._shown(planned.template), None)
        if isinstance(error, _Refused):
            message = str(error)
        elif isinstance(error, RecursionError | MemoryError):
            message = f"used too much memory or recursion ({type(error).__name__})"
        else:
            detail = str(error)
            detail = detail if len(detail) <= 200 else detail[:200] + "..."
            message = f"failed to render: {type(error).__name__}: {detail}"
        return Problem(Location(file, line), f"{message} ({planned.describe()})", rule=RULE)

    # ---- in the parent ----

    def _shown(self, name: str) -> str:
        return self.sources[name][1] if name in self.sources else name

    def _parse_back(self, planned: PlannedObject, result: _Rendered) -> RenderedObject | Problem:
        text, positions, printed = result.text, result.positions, result.printed

        def problem(output_line: int | None, message: str) -> Problem:
            file, line = _source_of(text, positions, output_line, self._shown(planned.template))
            line = self._matching_line(file, line, text, output_line)
            return Problem(Location(file, line), f"{message} ({planned.describe()})", rule=RULE)

        try:
            shape = _shape_problem(text)
            if shape is not None:
                return problem(*shape)
            documents = [
                (node, yaml.load(yaml.serialize(node), Loader=StrictLoader))
                for node in yaml.compose_all(text, Loader=StrictLoader)
                if node is not None
            ]
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            detail = str(error) if len(str(error)) <= 300 else str(error)[:300] + "..."
            return problem(mark.line if mark else None, f"renders text that is not YAML: {detail}")
        except RecursionError:  # a backstop: _shape_problem bounds the nesting first
            return problem(None, f"renders YAML nested over {MAX_DEPTH} levels")
        if len(documents) != 1 or not isinstance(documents[0][1], dict):
            line = documents[1][0].start_mark.line if len(documents) > 1 else None
            if line and text.split("\n")[line - 1].startswith("---"):
                line -= 1  # the document marker that starts the extra object
            return problem(
                line,
                f"renders {len(documents)} documents instead of the one planned object; a "
                "template must emit exactly the object the plan holds",
            )
        node, body = documents[0]
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        fields = {
            ("apiVersion",): (body.get("apiVersion"), planned.api_version),
            ("kind",): (body.get("kind"), planned.kind),
            ("metadata", "namespace"): (metadata.get("namespace"), planned.namespace),
            ("metadata", "name"): (metadata.get("name"), planned.name),
        }
        for path, (found, expected) in fields.items():
            if found != expected:
                return problem(
                    _node_line(node, path),
                    f"renders {'.'.join(path)} {found!r} where the plan holds {expected!r}; a "
                    "template must emit exactly the object the plan holds",
                )
        scalars = Counter(_scalars(body))
        for value, offset in printed:
            if scalars[_comparable(value)] > 0:
                scalars[_comparable(value)] -= 1
                continue
            shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:80] + "..."
            return problem(
                text.count("\n", 0, offset),
                f"prints the value {shown} where it does not read back as one YAML value: "
                "print each value alone as a key or a value, through q, dq or block",
            )
        return RenderedObject(planned, self._noted(result.used, text), body)

    def _matching_line(
        self, file: str, line: int | None, text: str, output_line: int | None
    ) -> int | None:
        """Jinja numbers a chunk of literal text from the tag before it: when the template line
        next to `line` holds exactly the output line, that is the one meant."""
        if line is None or output_line is None:
            return line
        sources = {shown: source for source, shown in self.sources.values()}
        template_lines = sources.get(file, "").split("\n")
        output_lines = text.split("\n")
        if output_line >= len(output_lines):
            return line
        wanted = output_lines[output_line].strip()
        for candidate in (line, line + 1, line - 1, line + 2, line - 2, line + 3, line - 3):
            if (
                0 < candidate <= len(template_lines)
                and template_lines[candidate - 1].strip() == wanted
            ):
                return candidate
        return line

    def _noted(self, used: frozenset[str], text: str) -> str:
        """Mark what a user template made, so out/ shows it and --check without it drifts."""
        names = sorted(used & self.overridden)
        return TEMPLATE_NOTE.format(names=", ".join(names)) + text if names else text


# ---- loading and checking the folder ----


def load_user_templates(folder: Path) -> UserTemplates:
    """Read and check every template under `folder`; every problem is located, exit 2."""
    shown_folder = folder.as_posix()
    try:
        info = os.lstat(folder)
    except OSError as error:
        raise InputError(
            problems=[_problem(shown_folder, None, f"--templates: cannot read: {error.strerror}")]
        ) from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        kind = "a link" if stat.S_ISLNK(info.st_mode) else "not a folder"
        raise InputError(
            problems=[_problem(shown_folder, None, f"--templates takes a folder; this is {kind}")]
        )
    shipped = _shipped_sources()
    problems: list[Problem] = []
    user: dict[str, tuple[str, str]] = {}
    for relative, path in _walk(folder, problems):
        shown = path.as_posix()
        if not relative.endswith(".j2"):
            problems.append(_problem(shown, None, "not a template: names end in .j2"))
            continue
        is_fragment = relative.rpartition("/")[2].startswith("_")
        if relative not in shipped and not is_fragment:
            names = ", ".join(
                sorted(n for n in shipped if not n.rpartition("/")[2].startswith("_"))
            )
            problems.append(
                _problem(
                    shown,
                    None,
                    f"overrides no shipped template (a template keeps the shipped name and "
                    f"folder: one of {names}; a fragment to include starts with _)",
                )
            )
            continue
        source = _read_template(path, shown, problems)
        if source is not None:
            user[relative] = (source, shown)
    sources = {**shipped, **user}
    state = _RenderState([], set())
    env = _environment(sources, state)
    for name, (source, shown) in sorted(user.items()):
        problems.extend(_static_problems(env, name, source, shown))
    if problems:
        raise InputError(problems=problems)
    return UserTemplates(shown_folder, sources, frozenset(user))


def _problem(file: str, line: int | None, message: str) -> Problem:
    return Problem(Location(file, line), message, rule=RULE)


def _shipped_sources() -> dict[str, tuple[str, str]]:
    root = templates_dir()
    return {
        path.relative_to(root).as_posix(): (path.read_text(encoding="utf-8"), path.as_posix())
        for path in sorted(root.rglob("*.j2"))
    }


def _walk(folder: Path, problems: list[Problem]) -> Iterator[tuple[str, Path]]:
    """(name relative to `folder`, path) of each regular file; links and special files are
    problems, never followed or opened."""
    for current, folders, files in os.walk(folder):
        base = Path(current)
        # Dot-files and dot-folders (.git, editor backups) are not templates: skipped, as
        # `render` skips them among profiles.
        folders[:] = [name for name in folders if not name.startswith(".")]
        files = [name for name in files if not name.startswith(".")]
        for name in sorted(folders):
            if (base / name).is_symlink():
                problems.append(_problem((base / name).as_posix(), None, "a link: refused"))
        folders[:] = sorted(n for n in folders if not (base / n).is_symlink())
        for name in sorted(files):
            path = base / name
            mode = os.lstat(path).st_mode
            if not stat.S_ISREG(mode):
                kind = "a link" if stat.S_ISLNK(mode) else "not a regular file"
                problems.append(_problem(path.as_posix(), None, f"{kind}: refused"))
                continue
            yield path.relative_to(folder).as_posix(), path


def _read_template(path: Path, shown: str, problems: list[Problem]) -> str | None:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as stream:
            data = stream.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as error:
        problems.append(_problem(shown, None, f"cannot read: {error.strerror}"))
        return None
    if len(data) > MAX_TEMPLATE_BYTES:
        problems.append(_problem(shown, None, f"larger than {MAX_TEMPLATE_BYTES} bytes"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(_problem(shown, line, "not UTF-8 text"))
        return None


def _static_problems(env: Any, name: str, source: str, shown: str) -> list[Problem]:
    """What the parsed template shows before it runs: syntax, and output that is not quoted."""
    try:
        tree = env.parse(source, name, shown)
        env.get_template(name)  # compiles it: what parse alone does not catch
    except TemplateSyntaxError as error:
        return [_problem(shown, error.lineno, f"template syntax error: {error.message}")]
    problems = []
    for block_node in tree.find_all(nodes.FilterBlock):
        problems.append(
            _problem(
                shown,
                block_node.lineno,
                "a {% filter %} block could rewrite quoted values: refused in user templates",
            )
        )
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            if not (isinstance(child, nodes.Filter) and child.name in QUOTING_FILTERS):
                problems.append(
                    _problem(
                        shown,
                        child.lineno,
                        "prints a value without the q, dq or block filter as its last step: "
                        "write {{ value | q }} (a key or plain value), {{ value | dq }} "
                        "(always quoted) or {{ value | block(INDENT) }} (multi-line text)",
                    )
                )
    return problems


# ---- positions: output lines back to template lines ----


def _template_position(frame: FrameType) -> tuple[str, int] | None:
    """A compiled template's frame as (template file, line), from Jinja's debug info."""
    info = frame.f_globals.get("debug_info")
    filename = frame.f_globals.get("__file__")
    if not isinstance(info, str) or not isinstance(filename, str):
        return None
    pairs = [tuple(int(n) for n in pair.split("=")) for pair in info.split("&") if pair]
    line = 1
    for template_line, code_line in pairs:
        if code_line > frame.f_lineno:
            break
        line = template_line
    return filename, line


def _current_position(generator: Any, sources: Mapping[str, tuple[str, str]]) -> tuple[str, int]:
    """Where the chunk just yielded comes from: the innermost template generator's line."""
    found: tuple[str, int] | None = None
    current = generator
    while current is not None and getattr(current, "gi_frame", None) is not None:
        position = _template_position(current.gi_frame)
        if position is not None:
            found = position
        current = current.gi_yieldfrom
    return found or ("?", 1)


def _innermost_template_frame(
    traceback: TracebackType | None, sources: Mapping[str, tuple[str, str]]
) -> tuple[str, int] | None:
    shown = {filename for _, filename in sources.values()}
    found = None
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code.co_filename in shown:
            found = (frame.f_code.co_filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


def _source_of(
    text: str, positions: list[tuple[int, str, int]], output_line: int | None, default: str
) -> tuple[str, int | None]:
    """The template file and line that produced 0-based `output_line` of `text`."""
    if output_line is None or not positions:
        return default, None
    offset = 0
    for _ in range(output_line):
        found = text.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    chosen = positions[0]
    for position in positions:
        if position[0] > offset:
            break
        chosen = position
    start, file, line = chosen
    return file, line + text.count("\n", start, offset)


def _node_line(node: Any, path: tuple[str, ...]) -> int | None:
    """The 0-based line of the value at `path` in a composed YAML mapping, when it is there."""
    line: int = node.start_mark.line
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            return line
        for key_node, value_node in node.value:
            if key_node.value == key:
                node, line = value_node, value_node.start_mark.line
                break
        else:
            return line
    return line


MAX_DEPTH = 100  # a Kubernetes object nests a dozen levels; a parser recurses per level


def _shape_problem(text: str) -> tuple[int, str] | None:
    """(0-based line, message) when the rendered YAML uses anchors or aliases (an alias bomb
    expands without end in whatever walks the object) or nests too deeply; read as events,
    before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=StrictLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return (
                _mark_line(event),
                "renders a YAML anchor or alias (& or *): write every value out",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return _mark_line(event), f"renders YAML nested over {MAX_DEPTH} levels"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _mark_line(event: Any) -> int:
    mark = event.start_mark
    return int(mark.line) if mark is not None else 0


def _comparable(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _scalars(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield _comparable(key)
            yield from _scalars(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scalars(item)
    else:
        yield _comparable(node)


# ---- the bounded child ----


def _in_bounded_child(work: Any) -> Any:
    """`work()` in a forked child limited in CPU time and address space; its pickled result.

    A fork, not a thread: only the kernel can stop a template that loops or allocates without
    end, and the child starts with everything already loaded (the plan, the templates).
    """
    import resource
    import signal

    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller
        status = 0
        try:
            os.close(reader)
            _limit(resource.RLIMIT_CPU, CPU_SECONDS)
            _limit(resource.RLIMIT_AS, _address_space() + MEMORY_HEADROOM)
            payload = pickle.dumps(("ok", work()))
        except BaseException as error:  # every failure goes back to the parent
            payload = pickle.dumps(("failed", f"{type(error).__name__}: {str(error)[:200]}"))
            status = 1
        try:
            with os.fdopen(writer, "wb") as stream:
                stream.write(payload)
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        data = stream.read()
    _, wait_status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(wait_status):
        signal_name = signal.Signals(os.WTERMSIG(wait_status)).name
        reason = (
            f"used more than {CPU_SECONDS} s of CPU"
            if signal_name in ("SIGXCPU", "SIGKILL")
            else f"was stopped by {signal_name}"
        )
        raise _ChildFailed(reason)
    try:
        outcome, value = pickle.loads(data)
    except Exception:  # a child that died mid-write
        raise _ChildFailed("failed (out of memory?)") from None
    if outcome != "ok":
        raise _ChildFailed(f"failed: {value}")
    return value


def _limit(kind: int, value: int) -> None:
    """Lower a soft limit to `value` (never above the hard limit, never raising it)."""
    import resource

    soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    if soft == resource.RLIM_INFINITY or value < soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(kind, (value, hard))


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as stream:
            pages = int(stream.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 4 * 1024 * 1024 * 1024
