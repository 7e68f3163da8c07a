"""The `tech-graph` command: a thin layer over the library.

Every command pays for what is imported here, so only click is: the library's modules
are imported inside the commands that need them (a command's start-up is measured in
bench/bench.py against raw pyoxigraph's).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from .load import Source
    from .model import Model
    from .store import Store

F = TypeVar("F", bound=Callable[..., Any])


class Session:
    """What the global options chose: the store and the user's extra files, opened once."""

    def __init__(self) -> None:
        self.store_spec: str | None = None
        self.data: list[str] = []
        self.data_format: str | None = None
        self.timeout: float | None = None  # --timeout, else TECH_GRAPH_TIMEOUT, else the default (limits.py)
        self.max_memory: str | None = None
        self._store: Store | None = None

    @property
    def user_sources(self) -> list[Source]:
        from .load import user_sources

        return user_sources(self.data, self.data_format)

    @property
    def sources(self) -> list[Source]:
        from .load import bundled_sources

        return [*bundled_sources(), *self.user_sources]

    @property
    def store(self) -> Store:
        if self._store is None:
            from .stores import open_store

            self._store = open_store(self.store_spec, self.user_sources)
        return self._store


def _remember_store(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(Session).store_spec = value


def _remember_data(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> None:
    ctx.ensure_object(Session).data.extend(value)


def _remember_limit(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        setattr(ctx.ensure_object(Session), str(param.name), value)


def _remember_data_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(Session).data_format = value


def graph_options(func: F) -> F:
    """`--store`, `--data`, `--data-format`, `--timeout` and `--max-memory`, before or after the command name."""
    func = click.option(
        "--timeout", type=click.FloatRange(min=0, min_open=True), expose_value=False, callback=_remember_limit,
        help="Seconds a command may run before it is stopped [default: 600; serve: 10 per request]. "
             "Env: TECH_GRAPH_TIMEOUT.",
    )(func)
    func = click.option(
        "--max-memory", metavar="SIZE", expose_value=False, callback=_remember_limit,
        help="Memory a command may use, e.g. 4G or 512M [default: 4G; serve: 1G per request]. "
             "Env: TECH_GRAPH_MAX_MEMORY.",
    )(func)
    func = click.option(
        "--data-format", expose_value=False, callback=_remember_data_format, metavar="FORMAT",
        help="Format of --data - (standard input): turtle, nt, nq, trig, n3, jsonld, rdfxml; default: sniffed.",
    )(func)
    func = click.option(
        "--data", multiple=True, type=click.Path(dir_okay=False, allow_dash=True), expose_value=False,
        callback=_remember_data, help="Add your own RDF file (any common format, - for standard input); repeatable.",
    )(func)
    return click.option(
        "--store", expose_value=False, callback=_remember_store, envvar="TECH_GRAPH_STORE",
        help="memory (default), oxigraph:PATH or sparql:URL. Env: TECH_GRAPH_STORE.",
    )(func)


def output_option(func: F) -> F:
    return click.option(
        "-o", "--output", default="-", show_default=True,
        help="File to write (written atomically); - is standard output.",
    )(func)


def shown_path(path: Path) -> Path:
    """A path as the user would type it: relative to the current folder when it lies inside."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def on_terminal() -> bool:
    return sys.stdout.isatty()


class BoundedCommand(click.Command):
    """Runs a command in a child process that is stopped at its deadline or memory budget, or by Ctrl-C.

    `serve` bounds each request instead, in its own workers.
    """

    def invoke(self, ctx: click.Context) -> Any:
        if self.name == "serve":
            return super().invoke(ctx)
        from .bounded import run_command
        from .limits import budget

        s = ctx.ensure_object(Session)
        return run_command(lambda: super(BoundedCommand, self).invoke(ctx), budget(s.timeout, s.max_memory))


class Group(click.Group):
    """The one error boundary: every failure becomes one line on standard error and an exit code.

    Expected failures (bad input, a full disk, a server that is down) get `error: what; how to fix`;
    anything else gets an `internal error` line. The codes are in errors.py and the README.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
            finish_output()
        except click.exceptions.Exit as exc:  # --help, --version
            code = exc.exit_code
        except click.UsageError as exc:  # an option of the group itself
            code = usage_error(exc)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except click.Abort:
            code = fail(KeyboardInterrupt())
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.UsageError as exc:
            ctx.exit(usage_error(exc))
        except click.ClickException as exc:  # e.g. click.FileError
            click.echo(f"error: {exc.format_message()}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            ctx.exit(quiet_stdout())
        except (Exception, KeyboardInterrupt) as exc:
            ctx.exit(fail(exc))


def usage_error(exc: click.UsageError) -> int:
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click 8.2+: `tech-graph` alone
    if isinstance(exc, no_args) and exc.ctx is not None:
        click.echo(exc.ctx.get_help())  # as click 8.1 did: the help, exit 0
        return 0
    # click would print three lines (usage, hint, error); keep the house style of one.
    where = exc.ctx.command_path if exc.ctx else "tech-graph"
    click.echo(f"error: {exc.format_message().rstrip('.')}; see '{where} --help'", err=True)
    return exc.exit_code


def fail(exc: BaseException) -> int:
    from .errors import DEBUG_ENV, report

    if os.environ.get(DEBUG_ENV):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    line, code = report(exc)
    click.echo(line, err=True)
    return code


def quiet_stdout() -> int:
    """The reader went away (`| head`): end quietly, and keep Python from complaining at exit."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def finish_output() -> None:
    """Flush standard output inside the boundary, so a full disk or a closed pipe is one line too."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
    except OSError as exc:
        from .errors import os_error

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(fail(os_error(exc, "standard output")))


Group.command_class = BoundedCommand


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@graph_options
@click.version_option(package_name="tech-graph")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """An event-timeline knowledge graph of the 2020-21 crackdown on big tech.

    Query it with SPARQL, validate it, and write its timeline and network as
    offline HTML pages.
    """
    ctx.ensure_object(Session)


def session() -> Session:
    return click.get_current_context().ensure_object(Session)


@contextlib.contextmanager
def reading() -> Iterator[Model]:
    """The graph's model, read with a progress bar on a terminal (rows read so far)."""
    from .model import Model
    from .progress import bar

    with bar("reading the graph", unit=" rows") as shown:
        yield Model(session().store, shown)


@contextlib.contextmanager
def working(what: str) -> Iterator[None]:
    """A bar that shows a long step is alive (its elapsed time), on a terminal."""
    from .progress import bar

    with bar(what):
        yield


def emit(output: str, text: str | bytes | Iterable[bytes]) -> None:
    from .output import write_output

    write_output(output, text)


@cli.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False), help="Read the query from a file.")
@click.option("-n", "--name", help="Run a named query (see `tech-graph queries`).")
@click.option("--format", "fmt", help="table, csv, tsv, json, md; for CONSTRUCT/DESCRIBE an RDF format.")
@output_option
@graph_options
def query(sparql: str | None, file: str | None, name: str | None, fmt: str | None, output: str) -> None:
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query.

    The query comes from the argument, -f FILE, --name NAME or standard input.
    Our prefixes (tg, tgr, sem, prov, schema, ...) are predeclared.

    Example: tech-graph query --name regulatory-actions --format md
    """
    from .errors import InputError
    from .query import expanded, read_query_file, read_query_stdin, run_stream
    from .rdfformats import RDF_FORMATS, serialize_triples
    from .store import Ask, Select, SelectStream
    from .tables import SELECT_FORMATS, write_select

    given = [x for x in (sparql, file, name) if x is not None]
    if len(given) > 1:
        raise InputError("give the query one way only: an argument, -f FILE or --name NAME")
    if name is not None:
        text, where = expanded(session().store, name), f"named query {name!r}"
    elif file is not None:
        text, where = read_query_file(file), file
    elif sparql and sparql != "-":
        text, where = sparql, "the query argument"
    elif "-" in session().data:
        raise InputError("standard input holds --data -; give the query as an argument, -f FILE or --name NAME")
    elif not sys.stdin.isatty():
        text, where = read_query_stdin(), "standard input"
    else:
        raise InputError("no query: give one as an argument, with -f FILE, --name NAME or on standard input")

    result = run_stream(session().store, text, where)
    if isinstance(result, SelectStream):
        fmt = fmt or ("table" if on_terminal() and output == "-" else "csv")
        if fmt not in SELECT_FORMATS:
            raise InputError(f"unknown format {fmt!r} for SELECT results; use one of {', '.join(SELECT_FORMATS)}")
        write_select(result, fmt, output, max_width=80 if fmt == "table" and on_terminal() else 0)
    elif isinstance(result, Ask):
        emit(output, ("true" if result.value else "false") + "\n")
    else:
        fmt = fmt or "turtle"
        if fmt not in RDF_FORMATS:
            raise InputError(f"unknown RDF format {fmt!r} for CONSTRUCT/DESCRIBE; use one of {', '.join(RDF_FORMATS)}")
        assert not isinstance(result, Select)
        emit(output, serialize_triples(result.triples, fmt))


@cli.command()
def queries() -> None:
    """List the named queries, one line each.

    Example: tech-graph queries
    """
    from .query import named_queries
    from .tables import as_table

    rows = [[q.name, q.title] for q in named_queries().values()]
    click.echo(as_table(["name", "description"], rows), nl=False)


def check_graph() -> int:
    """Print one line per problem and exit 1 if there are any; else the number of files checked."""
    from .validate import validate as run_validation

    s = session()
    problems = run_validation(s.store, s.sources)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    return len(s.sources)


@cli.command()
@graph_options
def validate() -> None:
    """Check the graph: SHACL shapes, quotes against the article, described IRIs, labels.

    Prints one line per problem (file:line: node: [rule] message) and exits 1
    if there are any.

    Example: tech-graph validate --data my-events.ttl
    """
    checked = check_graph()
    click.echo(f"ok: {checked} files conform to the shapes; every quote is in its source")


@cli.command("check-store")
@graph_options
def check_store() -> None:
    """Probe a SPARQL server with known-answer queries: one line each, saying what it gets wrong.

    Covers property paths in joins, OPTIONAL, GROUP_CONCAT, language tags, literals,
    VALUES, ASK, CONSTRUCT, DESCRIBE and datasets (default-graph-uri, named-graph-uri).
    Uploads a small graph into four probe graphs of its own (so it needs update rights)
    and drops them at the end. Exits 1 if any probe is wrong.

    Example: tech-graph check-store --store sparql:http://127.0.0.1:7878/query
    """
    from .conformance import report

    lines, right = report(session().store_spec)
    click.echo("\n".join(lines))
    if not right:
        sys.exit(1)


@cli.command()
@click.option("--uncited", is_flag=True, help="List only the sentences that no excerpt cites.")
@click.option("--html", "html_file", help="Also write the article with cited passages highlighted (offline HTML).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@output_option
@graph_options
def coverage(uncited: bool, html_file: str | None, fmt: str, output: str) -> None:
    """Show which sentences of each source text are cited, and by which facts.

    Prints each document's cited share, then every sentence (+ cited, - not)
    with the facts citing it; --uncited lists only what nothing cites.

    Example: tech-graph coverage --uncited --html coverage.html
    """
    from . import coverage as cov

    docs = cov.coverage(session().store)
    if html_file:
        emit(html_file, cov.html_page(docs))
    emit(output, cov.as_json(docs) if fmt == "json" else cov.report(docs, uncited_only=uncited))
    if html_file:  # after the report, so the two streams read in order however they are relayed
        click.echo(f"wrote {html_file}: {sum(len(d.sentences) for d in docs)} sentences", err=True)


@cli.command()
@output_option
@graph_options
def stats(output: str) -> None:
    """Print counts by class, events per year and actors by degree.

    An actor's degree is its number of distinct neighbours in the actor network, as in
    `central`; its links count one per event or relationship it shares with a neighbour.

    Example: tech-graph stats
    """
    from .stats import stats as compute
    from .tables import select_table

    with working("counting"):
        parts = [f"{title}\n{select_table(result)}" for title, result in compute(session().store)]
    emit(output, "\n".join(parts))


@cli.command()
@graph_options
def load() -> None:
    """Load the bundled graph and your --data files into a persistent store or server, once.

    Replaces what an earlier load put there; a failed load leaves it intact, except that a server
    upload that breaks off half-way is marked incomplete, and refused, until the next load.
    Later commands with the same --store open it without parsing any Turtle.

    Example: tech-graph load --store oxigraph:tech.db --data my-events.ttl
    """
    from .stores import load_store

    s = session()
    click.echo(load_store(s.store_spec, s.sources))


@cli.command()
@click.option("--triples", "-n", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="About how many triples to write.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed writes the same graph.")
@output_option
def synth(triples: int, seed: int, output: str) -> None:
    """Write a synthetic graph shaped like ours, as N-Triples, for benchmarks and scale tests.

    Example: tech-graph synth --triples 1000000 --seed 1 -o synth-1m.nt
    """
    from .synth import synth_ntriples

    emit(output, synth_ntriples(triples, seed))


@cli.command("export")
@click.option("-f", "--format", "fmt", help="See --list-formats; default: from the -o suffix, else turtle.")
@click.option("--include-ontology", is_flag=True, help="RDF: add the ontology (its own named graph in nq/trig).")
@click.option("--data-only", is_flag=True, help="RDF: only the curated data and your --data files, no sources.")
@click.option("--network", default="actor", show_default=True, help="Graph formats: actor or event-actor.")
@click.option("--until", help="Graph formats: the actor network as of a date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--list-formats", is_flag=True, help="List the formats and exit.")
@output_option
@graph_options
def export_command(fmt: str | None, include_ontology: bool, data_only: bool, network: str, until: str | None,
                   list_formats: bool, output: str) -> None:
    """Export the triples (RDF), the networks (GraphML, GEXF, Neo4j, node-link) or tables (CSV, TSV).

    Output is deterministic: the same graph gives byte-identical files.
    Neo4j writes three files: give -o FOLDER or -o FILE.zip.

    Example: tech-graph export -o tech-graph.trig
    """
    from .dates import parse_user_date
    from .errors import InputError
    from .export import (
        EXPORTERS,
        ExportRequest,
        check_target,
        export_stream,
        find_exporter,
        graph_selection,
        write_files,
    )
    from .tables import as_table

    if list_formats:
        rows = [[e.name, e.kind, " ".join(e.suffixes), e.description] for e in EXPORTERS.values()]
        click.echo(as_table(["format", "kind", "suffixes", "what"], rows), nl=False)
        return
    exp = find_exporter(fmt, output)
    check_target(exp, output)
    if exp.kind != "rdf" and (include_ontology or data_only):
        raise InputError(f"--include-ontology and --data-only choose triples; {exp.name} is not an RDF format")
    excluded = graph_selection(include_ontology, data_only)
    until_date = parse_user_date(until, "--until").end if until else None
    result = export_stream(ExportRequest(session().store, excluded, network, until_date), exp)
    if isinstance(result, dict):
        for path in write_files(output, result):
            click.echo(f"wrote {path}", err=True)
    else:
        emit(output, result)


TIMELINE_FORMATS = ("table", "csv", "json", "md", "timelinejs")


@cli.command()
@click.option("--actor", help="Only events this actor takes part in, in any role (IRI, tgr:name or label).")
@click.option("--type", "type_", help="Only events of this class or its subclasses (tg:Deal or a label).")
@click.option("--from", "start", help="Only events that overlap this date or later (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--to", "end", help="Only events that overlap this date or earlier.")
@click.option("--place", help="Only events in this place or a place within it (IRI or label).")
@click.option("--as-of", "as_of", help="The world on that date: events so far and relationships that held.")
@click.option("--format", "fmt", help=f"{', '.join(TIMELINE_FORMATS)} (default: table).")
@click.option("--html", "html_file", help="Also write the interactive timeline page (one offline HTML file).")
@output_option
@graph_options
def timeline(actor: str | None, type_: str | None, start: str | None, end: str | None, place: str | None,
             as_of: str | None, fmt: str | None, html_file: str | None, output: str) -> None:
    """Show the events in time order, each date at its own precision.

    With --html FILE, write the timeline page (and print the table only if
    --format or -o is given too).

    Example: tech-graph timeline --actor Alibaba --from 2020-11 --html timeline.html
    """
    from . import timeline as tl
    from .errors import InputError
    from .tables import as_markdown, as_table, delimited_chunks

    if fmt is not None and fmt not in TIMELINE_FORMATS:
        raise InputError(f"unknown timeline format {fmt!r}; use one of {', '.join(TIMELINE_FORMATS)}")
    if as_of and (start or end):
        raise InputError("--as-of already sets the period; give --as-of or --from/--to, not both")
    with reading() as store:  # read once, for the table and the page
        state = tl.as_of(store, as_of, actor=actor, type=type_, place=place) if as_of else None
        events = state.events if state else tl.events(store, actor=actor, type=type_, start=start, end=end,
                                                      place=place)

    if not events:  # a message, not bare headers; an empty result is not an error
        click.echo("no events match", err=True)
    if html_file:
        from .timeline_html import timeline_page

        title = "tech-graph timeline" + (f" as of {state.when.label}" if state else "")
        emit(html_file, timeline_page(events, tl.event_classes(store), title=title))
        click.echo(f"wrote {html_file}: {len(events)} events", err=True)
        if fmt is None and output == "-":
            return

    fmt = fmt or "table"
    if not events and fmt == "table" and not state:
        return
    if fmt == "json":  # these three are written an event at a time
        emit(output, tl.events_json_chunks(events, state))
        return
    if fmt in ("timelinejs", "csv"):
        emit(output, tl.timelinejs_chunks(events) if fmt == "timelinejs"
             else delimited_chunks(tl.EVENT_HEADER, tl.event_rows(events), ","))
        return
    header, rows = tl.reading_table(events) if fmt == "table" else tl.events_table(events)
    text = as_table(header, rows, max_width=60) if fmt == "table" else as_markdown(header, rows)
    if state:
        held_header, held = tl.relationships_table(state.relationships)
        if fmt == "table":
            held_text = as_table(held_header[:-1], [r[:-1] for r in held], max_width=60)
        else:
            held_text = as_markdown(held_header, held)
        text = (f"Events by {state.when.label}: {len(events)}\n\n{text}\n"
                f"Relationships that held on {state.day:%-d %b %Y}: {len(held)}\n\n{held_text}")
    emit(output, text)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--allow-update", is_flag=True, help="Take SPARQL Update from clients that send the token.")
@click.option("--token", envvar="TECH_GRAPH_TOKEN", help="Bearer token for updates. Env: TECH_GRAPH_TOKEN.")
@click.option("--cors", metavar="ORIGIN", help="Let pages from ORIGIN call the endpoint (CORS is off by default).")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Query worker processes at once; requests from other sites' pages get a quarter of them.")
@click.option("--queue-wait", default=5.0, show_default=True, type=click.FloatRange(0),
              help="Seconds a request waits for a free worker before 503 with Retry-After.")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(1), help="Result rows per query.")
@click.option("--max-request", default=100_000, show_default=True, type=click.IntRange(100),
              help="Bytes per query or request body.")
@graph_options
def serve(host: str, port: int, allow_update: bool, token: str | None, cors: str | None, workers: int,
          queue_wait: float, max_rows: int, max_request: int) -> None:
    """Serve the query page, entity pages, downloads and a SPARQL 1.1 endpoint.

    Read-only and on loopback unless told otherwise. SERVICE and LOAD are refused, and so
    are POSTs from pages on other sites. Each request (query, update, entity page or
    download) runs in a worker process, cut off the network unless the store is
    sparql:URL, that is stopped after --timeout (10 s, counted from its arrival) or when
    it needs more than --max-memory (1G).

    Example: tech-graph serve --port 8000
    """
    from .limits import budget
    from .serve import App, Limits, Settings, check_options, make_server, serve_forever

    for warning in check_options(host, allow_update, token):
        click.echo(f"warning: {warning}", err=True)
    s = session()
    if s.data:  # the server loads --data itself; a child proves first that the parse fits a command's budget
        from .bounded import run_command
        from .stores import open_store

        run_command(lambda: open_store(s.store_spec, s.user_sources) and None, budget(s.timeout, s.max_memory))
    per_request = budget(s.timeout, s.max_memory, serve=True)
    limits = Limits(timeout=per_request.timeout, max_memory=per_request.memory, max_rows=max_rows,
                    max_request=max_request, max_running=workers, queue_wait=queue_wait)
    app = App(s.store, Settings(limits, allow_update=allow_update, token=token, cors=cors))
    if not app.runner.network_cut and not s.store.spec.startswith("sparql:"):
        click.echo("warning: the query workers could not be cut off the network (this needs root or user "
                   "namespaces); the SERVICE/LOAD guard is the only barrier", err=True)
    serve_forever(make_server(app, host, port), lambda line: click.echo(line, err=True))


_TEXT_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "md"]), default="table",
                            show_default=True, help="Output format.")
_UNTIL = click.option("--until", help="The network as it stood on a date: YYYY, YYYY-MM or YYYY-MM-DD.")


@cli.command()
@click.argument("actor")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 10), help="How many steps out.")
@_UNTIL
@_TEXT_FORMAT
@output_option
@graph_options
def neighbors(actor: str, depth: int, until: str | None, fmt: str, output: str) -> None:
    """List an actor's neighbours and the events or relationships that join them.

    ACTOR is an IRI, a compact IRI, a label or a Chinese name (any case).

    Example: tech-graph neighbors "Ant Group" --depth 2
    """
    from . import network

    with reading() as model:
        graph, center = network.neighbourhood(model, actor, depth, until, cited=False)  # that far, no further
    emit(output, network.neighbors_text(graph, center, depth, fmt))


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 1000), help="At most this many paths.")
@_UNTIL
@output_option
@graph_options
def path(source: str, target: str, limit: int, until: str | None, output: str) -> None:
    """Explain the shortest connections between two actors as chains of events, with dates and quotes.

    Looks up to 6 steps out from SOURCE.

    Example: tech-graph path CFIUS Hellobike
    """
    from . import network

    with reading() as model:
        graph, a, b, whole = network.connection(model, source, target, until)
    emit(output, network.paths_text(graph, a, b, limit, within=None if whole else network.PATH_STEPS))


@cli.command()
@click.option("--by", type=click.Choice(["degree", "betweenness", "pagerank"]), default="degree",
              show_default=True, help="degree: distinct neighbouring actors; betweenness; pagerank (by links).")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1), help="How many actors to list.")
@_UNTIL
@_TEXT_FORMAT
@output_option
@graph_options
def central(by: str, top: int, until: str | None, fmt: str, output: str) -> None:
    """Rank the actors by how central they are in the actor network.

    degree is the number of distinct neighbouring actors; links counts one per event or
    relationship shared with a neighbour (two actors in three deals: one neighbour, three links).

    Example: tech-graph central --by betweenness --top 10
    """
    from . import network

    with reading() as model:
        graph = network.actor_network(model, until=until)
    with working(f"ranking by {by}"):
        text = network.central_text(graph, by, top, fmt)
    emit(output, text)


@cli.command()
@click.option("--view", type=click.Choice(["actors", "events"]), default="actors", show_default=True,
              help="actors: actors linked by shared events and relationships; events: events and their actors.")
@click.option("--focus", metavar="ACTOR", help="Only the actors within --depth steps of this one.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 10), help="Steps out from --focus.")
@_UNTIL
@click.option("--query", "query_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Draw the result of your own SPARQL CONSTRUCT query instead.")
@click.option("--limit", default=5000, show_default=True, type=click.IntRange(1),
              help="Most nodes to draw; larger views keep the most connected.")
@click.option("--title", help="Page title.")
@output_option
@graph_options
def render(view: str, focus: str | None, depth: int, until: str | None, query_file: str | None, limit: int,
           title: str | None, output: str) -> None:
    """Write the network as one interactive HTML page that works offline.

    Click a node or link for its type, dates, roles, quote and source; filter by
    type in the legend; slide through time.

    Example: tech-graph render -o graph.html
    """
    from . import network
    from .errors import InputError
    from .query import read_query_file
    from .render import render as render_graph

    if output == "-" and on_terminal():
        raise InputError("render writes a whole HTML page, not text for a terminal; give -o graph.html "
                         "(or redirect: > graph.html)")
    store = session().store
    with reading() as model:
        if query_file:
            if until or focus:
                raise InputError("--query draws your CONSTRUCT result as it is; drop --until and --focus")
            text = read_query_file(query_file)
            graph = network.construct_network(store, text, query_file)
            default_title = f"tech-graph: {Path(query_file).name}"
        elif view == "events":
            graph = network.event_actor_network(model, until=until)
            default_title = "tech-graph: events and their actors"
        elif focus:  # read only the neighbourhood, with the links among its farthest actors
            graph, _ = network.neighbourhood(model, focus, depth, until, closed=True)
            default_title = "tech-graph: who is connected to whom"
        else:
            graph = network.actor_network(model, until=until)
            default_title = "tech-graph: who is connected to whom"
    if focus:
        center = network.find_node(graph, store, focus)
        graph = network.ego(graph, center, depth * (2 if view == "events" else 1))
        default_title += f", around {graph.nodes[center]['label']}"
    if until:
        default_title += f", as of {until}"
    with working("laying out the network"):
        page = render_graph(graph, title=title or default_title, limit=limit)
    for note in page.notes:
        click.echo(f"note: {note}", err=True)
    emit(output, page.html)
    if output != "-":
        click.echo(f"wrote {output}: {page.nodes:,} nodes, {page.edges:,} links", err=True)


@cli.command()
@click.option("--out", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the timeline and graph pages (created if missing).")
@click.option("--sample", default="regulatory-actions", show_default=True, help="Named query to show.")
@graph_options
def build(out: str, sample: str) -> None:
    """The main job: validate the graph, summarise it, show a sample query, write both pages.

    Writes OUT/timeline.html and OUT/graph.html, each one offline HTML file.

    Example: tech-graph build --out out
    """
    from . import network
    from . import timeline as tl
    from .query import run_named
    from .render import render as render_graph
    from .stats import stats as compute
    from .store import Select
    from .tables import select_table
    from .timeline_html import timeline_page

    s = session()
    checked = check_graph()
    click.echo(f"Validated: {checked} files conform to the shapes; every quote is in its source.\n")
    for title, result in compute(s.store)[1:]:  # events per year, then the ten busiest actors
        click.echo(f"{title}\n{select_table(Select(result.variables, result.rows[:10]))}")
    click.echo(f"Sample query: tech-graph query --name {sample}\n{select_table(run_named(s.store, sample), 60)}")

    from .output import ensure_folder

    folder = Path(out)
    ensure_folder(folder, "--out")
    with reading() as model:  # both pages from one read of the graph
        events = tl.events(model)
        classes = tl.event_classes(model)
        graph = network.actor_network(model)
    emit(str(folder / "timeline.html"), timeline_page(events, classes))
    with working("laying out the network"):
        page = render_graph(graph, title="tech-graph: who is connected to whom")
    emit(str(folder / "graph.html"), page.html)
    click.echo(f"Wrote {folder / 'timeline.html'} ({len(events)} events) and "
               f"{folder / 'graph.html'} ({page.nodes} actors, {page.edges} links): open them in a browser.")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--title", required=True, help="The article's title (it names the draft and the saved text).")
@click.option("--published", required=True, help="Publication day, YYYY-MM-DD: relative dates are read from it.")
@click.option("--publisher", help="Who published it.")
@click.option("--url", help="Where it was published.")
@graph_options
def ingest(file: str, title: str, published: str, publisher: str | None, url: str | None) -> None:
    """Draft candidate facts from a new article (plain text or HTML), for review.

    Writes graph/drafts/SLUG.ttl and saves the text as graph/sources/SLUG.txt; the graph
    itself changes only with `tech-graph accept`.

    Example: tech-graph ingest order.txt --title "Order of August 14, 2020" --published 2020-08-19
    """
    from .ingest.draft import ingest as draft_article
    from .load import project_root
    from .tables import as_table

    path, found = draft_article(session().store, project_root(), Path(file), title, published, publisher, url)
    path = shown_path(path)
    rows = [[c.id, c.kind, f"{c.confidence:.2f}", c.label[:60], c.sentence.text[:70]] for c in found]
    click.echo(as_table(["id", "kind", "confidence", "candidate", "sentence"], rows, max_width=70), nl=False)
    kinds = {k: sum(1 for c in found if c.kind == k) for k in ("event", "corroboration", "actor", "figure")}
    click.echo(f"wrote {path}: " + ", ".join(f"{n} {k}s" for k, n in kinds.items() if n)
               + f"; next: tech-graph review {path}", err=True)


@cli.command()
@click.argument("draft", type=click.Path(dir_okay=False))
@click.option("--accept", "accept_ids", multiple=True, metavar="IDS", help="Accept candidates (e001,a002 or all).")
@click.option("--reject", "reject_ids", multiple=True, metavar="IDS", help="Reject candidates.")
@click.option("--set", "edits", multiple=True, metavar="ID.KEY=VALUE",
              help="Edit before accepting: ID.label=TEXT, ID.date=YYYY[-MM[-DD]], ID.roles='ROLE ACTOR; ...', "
                   "ID.places='PLACE; ...' (empty for none).")
@output_option
def review(draft: str, accept_ids: tuple[str, ...], reject_ids: tuple[str, ...], edits: tuple[str, ...],
           output: str) -> None:
    """Write the review page of a draft, or record decisions on the command line.

    With --accept/--reject/--set, the decisions go to DRAFT's .decisions.json file;
    otherwise the page (article and candidates side by side) is written to -o.

    Example: tech-graph review graph/drafts/order.ttl -o review.html
    """
    from .errors import InputError
    from .ingest.page import review_page
    from .ingest.review import decide, read_decisions, read_draft
    from .load import project_root

    found = read_draft(Path(draft))
    if accept_ids or reject_ids or edits:
        _path, summary = decide(found, list(accept_ids), list(reject_ids), list(edits))
        click.echo(summary)
        return
    if output == "-" and on_terminal():
        raise InputError("the review page is HTML; write it to a file with -o review.html")
    emit(output, review_page(found, project_root(), read_decisions(found.decisions_path, found)))
    if output != "-":
        click.echo(f"wrote {output}: {len(found.items)} candidates; open it, decide, then download the decisions",
                   err=True)


@cli.command()
@click.argument("draft", type=click.Path(dir_okay=False))
@click.option("--decisions", type=click.Path(dir_okay=False), help="Decisions file (default: next to DRAFT).")
def accept(draft: str, decisions: str | None) -> None:
    """Merge a draft's accepted candidates into graph/, if the result validates; else change nothing.

    Example: tech-graph accept graph/drafts/order.ttl
    """
    from .ingest.accept import accept as merge
    from .ingest.review import read_draft
    from .load import project_root

    done = merge(read_draft(Path(draft)), project_root(),
                 Path(decisions) if decisions else None)
    click.echo(f"wrote {shown_path(done.path)}: {len(done.new)} new facts, {len(done.corroborated)} with a second "
               "source")
    for iri, label in done.new:
        click.echo(f"  new: {label} <{iri}>")


def main() -> None:
    cli(prog_name="tech-graph")
