"""The command line: ask, chat, eval, validate, bench, report, the reps' queue and answer, and
(with Slack) serve, manifest, run.

Slack libraries are imported only by the commands that talk to Slack, so `ask` starts
fast as a fresh process.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from bot.errors import BotError, ConfigError
from bot.normalise import safe_text, terminal_text
from bot.report import REPORT_DAYS


def _iso_day(text: str) -> str:
    """A date as YYYY-MM-DD (argparse says what is wrong)."""
    from datetime import date
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _positive(text: str) -> int:
    """A whole number of at least 1, for counts and periods (argparse says what is wrong)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


STORE_ID_MAX = 2**63 - 1   # the largest id SQLite and PostgreSQL (BIGSERIAL) store


def _request_number(text: str) -> int:
    """A request's number as `queue` lists it (a number too large for the store was an
    OverflowError traceback; argparse says what is wrong)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= STORE_ID_MAX:
        raise argparse.ArgumentTypeError(f"not a request number (as `queue` lists them): {text!r}")
    return n


def _report_days(text: str) -> int:
    """A period for the gaps report, in REPORT_DAYS (argparse says what is wrong)."""
    n = _positive(text)
    if n not in REPORT_DAYS:
        raise argparse.ArgumentTypeError(f"must be at most {REPORT_DAYS[-1]}, got {n}")
    return n


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="the consultation guidance bot (settings: app.yaml)")
    p.add_argument("--config", help="path to app.yaml (default: the project's app.yaml)")
    sub = p.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question (or one per line with --stdin)")
    ask.add_argument("question", nargs="*", help="the question, as a member would type it")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--stdin", action="store_true", help="read one question per line from stdin")
    ask.add_argument("--top", type=_positive, default=3, help="how many results to return (default 3)")
    ask.add_argument("--full", action="store_true", help="print the full guidance, not just the answer-first reply")

    sub.add_parser("chat", help="talk to the bot in the terminal (also works piped)")

    walk = sub.add_parser("walkthrough", help="go through a pack's survey one question at a time (n/b/s/q)")
    walk.add_argument("pack", nargs="?", default="", help="the pack's name (default: the first open consultation), "
                      "or a section's (e.g. send, safeguarding: from its first question)")

    ev = sub.add_parser("eval", help="score the bot on a question set (dev_questions.yaml format)")
    ev.add_argument("file")
    ev.add_argument("--quiet", action="store_true", help="don't list the misses")

    val = sub.add_parser("validate", help="check a knowledge folder; exit 2 on errors")
    val.add_argument("folder", nargs="?", help="knowledge folder (default: every pack in app.yaml)")
    val.add_argument("--sources", metavar="DIR", help="also prove whose words every quotation is against the "
                     "source documents in DIR (e.g. ../shared/sources)")

    from bot.importer import LAYOUT_HELP, Layout

    imp = sub.add_parser("import-pack", help="build a pack skeleton from the union's commentary document, "
                         "then validate it")
    imp.add_argument("source", help="the commentary document (UTF-8 text, one paragraph per line)")
    imp.add_argument("--out", required=True, help="the pack folder to write, e.g. knowledge/NAME")
    imp.add_argument("--force", action="store_true",
                     help="replace pack.yaml, synonyms.yaml and survey-*.yaml in an existing folder")
    imp.add_argument("--title", help="the pack's title (default: from the union's name and the file)")
    imp.add_argument("--date", help="the document's date, as it shows it")
    imp.add_argument("--union", help="whose comments the blocks are (default: from --comment-marker)")
    imp.add_argument("--run-by", help="who runs the consultation (default: from --context-marker)")
    imp.add_argument("--opens", type=_iso_day, help="the consultation's first day, YYYY-MM-DD")
    imp.add_argument("--closes", type=_iso_day, help="the consultation's last day, YYYY-MM-DD")
    for flag, default in vars(Layout()).items():
        imp.add_argument("--" + flag.replace("_", "-"), default=default,
                         help=f"{LAYOUT_HELP[flag]} (default: {default!r})")
    imp.add_argument("--compare", metavar="FOLDER", help="also count how much of this hand-made pack the import "
                     "reproduces verbatim and in the same place")

    bench = sub.add_parser("bench", help="measure search latency, index build time and memory (runs for minutes)",
                           description="Measure search latency, index build time and memory. It runs for minutes: "
                           "about 3 on a 2-core machine with the defaults (2 min 41 s measured; 3 min 19 s on a "
                           "fresh clone, which first computes the bundled pack's vectors), most of it the cold "
                           "builds, about 30 s each. Fewer --cold-builds, --entries or --queries shorten it.")
    bench.add_argument("--entries", type=_positive, default=10_000, help="size of the synthetic pack")
    bench.add_argument("--queries", type=_positive, default=2_000, help="queries per measurement")
    bench.add_argument("--cold-builds", type=_positive, default=3, help="cold builds of the synthetic pack's vectors, "
                       "about 30 s each at 10,000 entries (the median is reported)")

    rep = sub.add_parser("report", help="the reps' gaps report: unanswered questions, unhelpful answers, counts")
    rep.add_argument("--days", type=_report_days, default=7,
                     help=f"period to report on, {REPORT_DAYS[0]} to {REPORT_DAYS[-1]} (default 7)")

    sub.add_parser("queue", help="members' questions waiting for a rep (\"Ask a rep\"), oldest first, with their age")
    ans = sub.add_parser("answer", help="settle a member's request from the terminal: a rep's answer, covered by "
                         "an entry, or outside the guidance (the serving bot tells the member)")
    ans.add_argument("id", type=_request_number, help="the request number, as `queue` lists it")
    ans.add_argument("text", nargs="*", help="the answer, as the member will read it")
    ans.add_argument("--rep-name", required=True, help="whose answer it is: the member sees this name")
    ans.add_argument("--entry", help="the guidance entry the answer relates to (optional)")
    ans.add_argument("--keep", action="store_true", help="keep the answer for members who ask the same later "
                     "(needs --kept-question)")
    ans.add_argument("--kept-question", metavar="TEXT", default="",
                     help="the question as later members will see it: take out anything personal")
    ans.add_argument("--covered", metavar="ENTRY", help="the guidance covers it: send the member this entry")
    ans.add_argument("--outside", action="store_true", help="outside the guidance: send the contact line")
    learn = sub.add_parser("asks-from-reps", help="print members' messages that reps settled (covered by an entry, "
                           "pinned, outside the guidance) as an asks file for a pack, to review and add to it")
    learn.add_argument("--pack", default="", help="the pack's name (default: the first configured pack)")
    learn.add_argument("--since", metavar="YYYY-MM-DD", default="",
                       help="only what was settled or pinned on or after this day (the last file's date)")

    sub.add_parser("serve", help="serve Slack (Socket Mode or HTTP, as app.yaml's socket_mode says)")
    mig = sub.add_parser("migrate-store", help="copy the SQLite store (pins, votes, question log, waiting "
                         "events) into an empty PostgreSQL database, verified by counts")
    mig.add_argument("--to", required=True, metavar="URL",
                     help="postgresql://... or '${DATABASE_URL}' (keeps the password out of your shell history)")
    back = sub.add_parser("backup", help="a consistent copy of the SQLite store (pins, kept answers, requests, "
                          "votes, the question log), taken while the bot runs")
    back.add_argument("file", type=Path, help="the copy to make (never an existing file)")
    sub.add_parser("health", help="readiness checks (store reachable, every pack loaded); exit 0 when ready, "
                   "1 when not, 2 when app.yaml itself is wrong")
    sub.add_parser("manifest", help="print the Slack app manifest (YAML) built from app.yaml")
    sub.add_parser("run", help="serve Slack when tokens are set, else chat in the terminal")
    # after the command too: `python -m bot serve --config /etc/biglisten/app.yaml` (a unit file's
    # natural order) was "unrecognized arguments"; SUPPRESS keeps one given before the command
    for command in sub.choices.values():
        command.add_argument("--config", default=argparse.SUPPRESS, help="path to app.yaml (as before the command)")
    return p


OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)   # `ask ... > file` on a full disk
# A member reads these commands' replies as they go: with the reader gone (`chat | head -c 10`) they
# answered into nothing and exited 0. `ask ... | head` wants its first lines only: that's fine.
CONVERSATIONS = ("chat", "walkthrough", "run")


def main(argv: list[str] | None = None) -> int:
    if sys.stdin is None:   # started with stdin closed (`<&-`): read as an empty one, not a traceback
        sys.stdin = open(os.devnull, encoding="utf-8")   # noqa: SIM115 - stdin for the process's life
    args = None
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except BotError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if sys.stdout is not None and sys.stdout.isatty():   # Ctrl-C at the chat's "> ": the shell's prompt
            print(flush=True)                                 # on a line of its own, as after Ctrl-D
        return 130
    except BrokenPipeError as e:
        if getattr(args, "command", "") in CONVERSATIONS:
            return _unwritten(e.strerror)
        sys.stderr.close()   # `ask --json ... | head`: the reader has gone, that's fine
        return 0
    except OSError as e:
        if e.errno not in OUTPUT_FULL or e.filename:   # an error of a file the command names: its own message
            raise
        return _unwritten(e.strerror)
    except Exception as e:   # the database down or ending connections under a reps' command: no traceback
        from bot.store import store_outage

        if not store_outage(e):
            raise
        why = " ".join(str(e).split())[:300]   # the server's or libpq's words: no password in them
        print(f"error: the store's database failed ({type(e).__name__}): {why}; try again in a minute, "
              "or see `python -m bot health`", file=sys.stderr)
        return 1


def _unwritten(why: str) -> int:
    """The output couldn't be written: one line on stderr saying why, exit 1."""
    print(f"error: couldn't write the output: {why}", file=sys.stderr)
    if sys.stdout is not None:   # what is still buffered would fail again as Python flushes it at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # (a second traceback)
    return 1


def _config(args):
    from bot.config import load_config
    return load_config(args.config)


# Line breaks to readers that split lines as Python's str.splitlines() does, which json.dumps
# leaves raw with ensure_ascii=False: escaped, so each record stays on one line.
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _one_line_json(record: dict) -> str:
    """A record as one line of JSON (they can only be inside its strings, where the escape is valid)."""
    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS)


def cmd_ask(args) -> int:
    from bot.guide import reply_to
    from bot.packs import load_library
    from bot.replies import ambiguity_options, match_record, prepare_pack, render_full_text, render_text

    if args.stdin and args.question:   # one would be silently dropped
        raise ConfigError("give the question or --stdin, not both")
    config = _config(args)
    library = load_library(config, prepare=prepare_pack)
    if args.stdin:
        sys.stdin.reconfigure(errors="surrogateescape")   # bytes that aren't UTF-8: kept, then dropped below
        questions = (line.rstrip("\n") for line in sys.stdin)
    else:
        questions = iter([" ".join(args.question)])
    for q in map(safe_text, questions):   # bytes that aren't UTF-8 (lone surrogates): dropped
        result, reply = reply_to(library, config, q, args.top)
        if args.json:
            # a section named alone: its questions as the reply numbers them (the member's "1" is the first)
            matches = ambiguity_options(reply) if reply.whole_section else result.matches
            record = {"query": q, "answered": result.answered,
                      "results": [match_record(m, library.pack_of(m.entry), query=q, shown=reply) for m in matches],
                      "reply_text": render_text(reply)}   # what the member reads, as printed without --full
            if result.reason:
                record["reason"] = result.reason
            if reply.ambiguous:   # the reply asks which was meant (not when both say the same: bot/replies.py)
                record["ambiguous"] = True
            if reply.also:   # two questions asked: the one the answer leaves out, and where its answer is
                record["also"] = {"question": reply.also[0], "id": reply.also[1].entry.id}
            print(_one_line_json(record), flush=True)
        else:
            print((render_full_text if args.full else render_text)(reply), end="\n\n", flush=True)
    return 0


def cmd_chat(args) -> int:
    from bot.packs import load_library
    from bot.replies import prepare_pack
    from bot.terminal import chat

    if sys.stdout is None:   # started with stdout closed (`>&-`): the replies would go nowhere
        return _unwritten("stdout is closed")
    config = _config(args)
    return chat(config, load_library(config, prepare=prepare_pack), interactive=sys.stdin.isatty())


def cmd_walkthrough(args) -> int:
    """The walk-through in the terminal; the place is kept in the store (user "terminal")."""
    from bot.packs import load_library
    from bot.replies import prepare_pack
    from bot.terminal import WALK_PROMPT, shown_plainly, unknown_walk, walk_store, walk_through

    if sys.stdout is None:   # as in the chat
        return _unwritten("stdout is closed")
    config = _config(args)
    library = load_library(config, meaning=False, prepare=prepare_pack)   # no searching here: the packs alone
    problem = unknown_walk(library, args.pack)   # before the store is opened (or made)
    if not problem:
        store = walk_store(config)   # as the chat's walk-through opens it
        sys.stdin.reconfigure(errors="surrogateescape")   # bytes not UTF-8: a move it doesn't know, not a crash
        shown_plainly()
        problem = walk_through(library, store, args.pack, sys.stdin.readline,
                               prompt=WALK_PROMPT + " > " if sys.stdin.isatty() else "")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return 0


def cmd_eval(args) -> int:
    from bot.evaluate import evaluate, load_questions, reply_lengths, report_lines
    from bot.packs import load_library
    from bot.replies import prepare_pack

    config = _config(args)
    library = load_library(config, prepare=prepare_pack)   # every pack, searched as `ask` and Slack search them
    questions = load_questions(args.file)
    report = evaluate(library, questions)
    if not args.quiet and report.misses:
        print(f"misses ({len(report.misses)}):")
        for m in report.misses:
            print("  " + m)
    print("\n".join(report_lines(report)))
    n = reply_lengths(library, questions, config)
    print(f"reply length (chars, answered questions: {n['n']}): median {n['median']}  p90 {n['p90']}  max {n['max']}")
    return 0


def cmd_validate(args) -> int:
    from bot.knowledge import load_pack, unadvised
    from bot.packs import check_library, check_unique_ids

    config = _config(args) if args.folder is None else None
    folders = [args.folder] if config is None else config.pack_paths()
    packs = []
    for folder in folders:
        pack = load_pack(folder, sources_dir=getattr(args, "sources", None))
        packs.append(pack)
        kinds = {}
        for e in pack.entries:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        print(f"{folder}: ok, {len(pack.entries)} entries (" +
              ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")")
        if kinds.get("survey") and pack.consultation is None:
            print(f"{folder}: warning: pack.yaml has no 'consultation' (who runs it, opens, closes), so replies "
                  "can't say whether the consultation is open or closed")
        for entry_id, statement, sentence in unadvised(pack):
            where = f"{entry_id}, statement {statement + 1}" if statement is not None else entry_id
            print(f"{folder}: warning: {where}: the union's comments advise (“{sentence}”) but its guidance has no "
                  "`kind: advice` or `answer`, so replies don't lead with that advice (knowledge/README.md)")
    if config is None:
        check_unique_ids(packs)
    else:
        check_library(config, packs)   # as serve checks them: ids across packs, channels' packs
    return 0


def cmd_import_pack(args) -> int:
    from bot.errors import KnowledgeError
    from bot.importer import Layout, default_meta, import_pack, reproduction
    from bot.knowledge import load_pack

    # What would fail after writing the pack is checked first: a re-run would need --force.
    if Path(args.source).is_dir():
        print(f"error: {args.source} is a folder: give the commentary document itself (a text file)",
              file=sys.stderr)
        return 2
    if args.opens and args.closes and args.closes < args.opens:
        print(f"error: --closes {args.closes} is before --opens {args.opens}: the consultation closes before "
              "it opens", file=sys.stderr)
        return 2
    try:
        reference = load_pack(args.compare) if args.compare else None
    except KnowledgeError as e:
        print(f"error: --compare: {e}", file=sys.stderr)
        return 2
    layout = Layout(**{k: getattr(args, k) for k in vars(Layout())})
    meta = default_meta(args.source, args.out, layout, title=args.title, date=args.date, union=args.union,
                        run_by=args.run_by, opens=args.opens, closes=args.closes)
    result = import_pack(args.source, args.out, layout=layout, meta=meta, force=args.force)
    doc = result.document
    print(f"read {args.source}: " + ", ".join(f"{n} {k}" for k, n in doc.counts().items()) +
          f" in {len(doc.sections)} sections; survey text is {meta.run_by}'s, comment blocks {meta.union}'s")
    for note in doc.notes + [n for q in doc.questions for n in q.notes]:
        print(f"  {note}")
    print("wrote " + ", ".join(str(p) for p in result.written))
    try:   # exactly what `validate` does, so the import passes whatever validate checks
        cmd_validate(argparse.Namespace(folder=args.out, config=args.config, sources=None))
    except KnowledgeError as e:
        print(f"error: the pack was written but does not validate: {e}", file=sys.stderr)
        return 1
    print("next: give each entry a title and keywords, and fill in suggested answers the union states")
    if reference is not None:
        print(f"compared with {args.compare}:")
        for line in reproduction(load_pack(args.out), reference).lines():
            print("  " + line)
    return 0


def cmd_bench(args) -> int:
    from bot.bench import run_bench

    run_bench(_config(args), synthetic_entries=args.entries, queries=args.queries, cold_builds=args.cold_builds)
    return 0


def cmd_report(args) -> int:
    from bot.knowledge import load_pack
    from bot.report import build_report, report_lines

    config = _config(args)
    store = _store(config)
    store.purge(config.storage.retention_days)   # the report never shows what retention deleted
    report = build_report(store, [load_pack(folder) for folder in config.pack_paths()], args.days)   # in REPORT_DAYS
    print(terminal_text("\n".join(report_lines(report))))   # members' words: no escape sequences
    return 0


def _store(config):
    """The store the reps' commands and `report` read: one that exists (`_existing`)."""
    from bot.store import open_store
    from bot.store_location import storage_location, store_setting
    return open_store(_existing(storage_location(config), config), setting=store_setting(config))


def _existing(location, config):
    """`location`, refused if it names a SQLite file that isn't there: opening it would make an
    empty store, so a mistyped storage.path reported nothing and answered no request. A folder that
    isn't there is said as serve says it (serve would not make it either)."""
    from bot.store_location import check_store_folder, store_setting

    check_store_folder(config, location)
    if isinstance(location, Path) and not location.exists():
        raise ConfigError(f"no database at {location} (serve creates it on its first start; "
                          f"check {store_setting(config)})")
    return location


def cmd_queue(args) -> int:
    from bot.rep_blocks import queue_lines

    # members' words and names: shown, never obeyed (an ESC sequence recoloured or cleared the terminal)
    print(terminal_text("\n".join(queue_lines(_store(_config(args)).requests(("open",))))))
    return 0


def cmd_asks_from_reps(args) -> int:
    import datetime

    from bot.asks import learned_file, learned_from_reps
    from bot.knowledge import load_pack

    config = _config(args)
    packs = [load_pack(path) for path in config.pack_paths()]
    pack = next((p for p in packs if p.name == args.pack), None) if args.pack else packs[0]
    if pack is None:
        print(f"error: no pack {args.pack!r} (packs: {', '.join(p.name for p in packs)})", file=sys.stderr)
        return 2
    try:
        since = datetime.datetime.strptime(args.since, "%Y-%m-%d").timestamp() if args.since else 0.0
    except ValueError:
        print(f"error: --since {args.since!r} is not a day like 2026-11-27", file=sys.stderr)
        return 2
    store = _store(config)
    store.purge(config.storage.retention_days)   # nothing retention should have deleted
    learned = learned_from_reps(pack, store.requests(("covered", "outside")), store.pins(), since)
    print(learned_file(learned, pack.name, datetime.date.today().isoformat(), args.since), end="")
    return 0


def cmd_answer(args) -> int:
    from bot.knowledge import load_pack
    from bot.rep_blocks import ANSWER_LIMIT, outcome_line

    config = _config(args)
    text = " ".join(args.text).strip()
    rep_name = args.rep_name.strip()
    if not rep_name:   # `--rep-name "$REP"` with REP unset: the member read "Answered by     on ..."
        print("error: --rep-name is blank: give the name the member will see", file=sys.stderr)
        return 2
    if len(text) > ANSWER_LIMIT:   # the same limit as Slack's answer box
        print(f"error: the answer is {len(text):,} characters; at most {ANSWER_LIMIT:,}, as in Slack's answer box",
              file=sys.stderr)
        return 2
    chosen = [bool(text), bool(args.covered), args.outside]
    if sum(chosen) != 1:
        print("error: give the answer's text, or --covered ENTRY, or --outside (one of them)", file=sys.stderr)
        return 2
    state = "answered" if text else "covered" if args.covered else "outside"
    if args.entry and state != "answered":
        print("error: --entry is for a rep's own answer (with --covered, the entry is the answer)", file=sys.stderr)
        return 2
    if (args.keep or args.kept_question) and state != "answered":
        print("error: --keep and --kept-question are for a rep's own answer, not --covered or --outside",
              file=sys.stderr)
        return 2
    if args.kept_question and not args.keep:
        print("error: --kept-question is the question a kept answer is shown under: add --keep", file=sys.stderr)
        return 2
    if args.keep and not args.kept_question.strip():
        print("error: --keep needs --kept-question: the question as later members will see it (the member's own "
              "words may name people)", file=sys.stderr)
        return 2
    packs = [load_pack(path) for path in config.pack_paths()]   # an entry of any pack (bot/packs.py)
    entry = args.covered or args.entry
    if entry and all(pack.get(entry) is None for pack in packs):
        print(f"error: no entry {entry!r} in the guidance (see `python -m bot ask --json`)", file=sys.stderr)
        return 2
    store = _store(config)
    req = store.request(args.id)
    if req is None:
        print(f"error: no request #{args.id} (see `python -m bot queue`)", file=sys.stderr)
        return 1
    closed = store.close_request(args.id, state=state, rep="", rep_name=rep_name, answer=text,
                                 entry_id=entry, keep=args.keep,   # only with a rep's answer (above)
                                 kept_question=args.kept_question.strip() or None)
    if closed is None:
        settled = terminal_text(outcome_line(store.request(args.id)))   # a rep's name from Slack
        print(f"error: request #{args.id} is settled already: {settled}", file=sys.stderr)
        return 1
    kept = f"; kept as answer #{closed.kept_id}" if closed.kept_id else ""
    print(f"request #{args.id}: {outcome_line(closed)}{kept}. The serving bot tells the member "
          "(within a minute, or at once if a rep runs /biglisten queue).")
    return 0


def cmd_serve(args) -> int:
    from bot.app import serve
    return serve(_config(args))


def cmd_health(args) -> int:
    from bot.errors import KnowledgeError
    from bot.health import Check, check_pack, check_store
    from bot.knowledge import load_pack
    from bot.packs import check_library
    from bot.store import open_store
    from bot.store_location import check_store_folder, storage_location, store_setting

    config = _config(args)
    config.check_pack_folders()   # a misspelt folder is a settings mistake (exit 2), not "not ready"
    checks = []
    folders = config.pack_paths()
    packs = []
    for folder in folders:   # every pack serve would load, each by name when there are several
        name = "pack" if len(folders) == 1 else f"pack {folder.name}"
        try:
            packs.append(load_pack(folder))
            checks.append(replace(check_pack(packs[-1]), name=name))
        except BotError as e:
            checks.append(Check(name, False, str(e)))
    if len(packs) == len(folders):   # as serve checks them (a channel naming no loaded pack: exit 2)
        try:
            check_library(config, packs)
        except KnowledgeError as e:
            checks.append(Check("packs together", False, str(e)))
    location = storage_location(config)   # a missing variable is a settings error (exit 2), not "not ready"
    check_store_folder(config, location)    # as is the store's folder (serve refuses it)
    try:
        # a check creates nothing: a mistyped path passed
        checks.append(check_store(open_store(_existing(location, config), migrate=False,
                                             setting=store_setting(config))))
    except Exception as e:   # can't even open it: one line, no traceback
        checks.append(Check("store", False, f"cannot open: {' '.join(str(e).split())[:300]}"))
    for c in checks:
        print(f"{c.name}: {'ok' if c.ok else 'FAIL'}: {c.detail}")
    return 0 if all(c.ok for c in checks) else 1


def cmd_migrate_store(args) -> int:
    import os

    from bot.migrate_store import migrate
    from bot.store import open_store
    from bot.store_location import ENV_REFERENCE, check_store_folder, storage_location, store_setting
    from bot.store_postgres import PostgresStore, redact
    from bot.store_sqlite import SQLiteStore

    config = _config(args)
    location = storage_location(config)
    check_store_folder(config, location)
    if isinstance(location, Path) and not location.exists():   # opening it would make an empty one
        raise ConfigError(f"no store at {location}: {store_setting(config)} names no SQLite file to copy from")
    # only read: an admin's copy of a file the bot owns
    source = open_store(location, writable=False, setting=store_setting(config))
    if not isinstance(source, SQLiteStore):
        raise ConfigError(f"migrate-store copies from a SQLite store: {store_setting(config)} is not a SQLite file")
    url = args.to.strip()
    reference = ENV_REFERENCE.match(url)
    if reference:
        url = os.environ.get(reference.group(1), "")
        if not url:
            raise ConfigError(f"{reference.group(1)} is not set")
    if not url and not reference:   # "${DATABASE_URL}" in double quotes: the shell put in what it holds, nothing
        raise ConfigError("--to is empty: in double quotes the shell replaces ${DATABASE_URL} itself (with "
                          "nothing if it isn't set in this shell); write it in single quotes: --to '${DATABASE_URL}'")
    if url.startswith("$"):   # '$DATABASE_URL': only ${NAME} is read from the environment
        raise ConfigError(f"--to {url.split()[0]!r}: write the variable as '${{NAME}}', in single quotes, "
                          "e.g. --to '${DATABASE_URL}'")
    if not url.startswith(("postgresql://", "postgres://")):   # the URL itself may hold a password: not echoed
        raise ConfigError("--to must be a postgresql:// URL, or '${DATABASE_URL}' to read it from that variable")
    print(f"copying {source.path} into {redact(url)}")
    for c in migrate(source, PostgresStore(url, setting="--to")):   # its refusals name what the admin gave
        print(f"{c.table}: {c.source} rows in SQLite, {c.target} in PostgreSQL")
    print(f"verified: every count matches. Now set {config.setting('storage.url')} and restart the bot.")
    return 0


def cmd_backup(args) -> int:
    from bot.backup_store import backup
    from bot.store_location import check_store_folder, storage_location, store_setting
    from bot.store_sqlite import SQLiteStore

    config = _config(args)
    location = storage_location(config)
    if not isinstance(location, Path):
        raise ConfigError("the store is PostgreSQL: back it up with its own tools, e.g. `pg_dump --format=custom "
                          "--file=biglisten.dump DBNAME` (`pg_restore` restores it)")
    check_store_folder(config, location)
    if not location.exists():   # opening it would make an empty one
        raise ConfigError(f"no store at {location}: {store_setting(config)} names no SQLite file to back up")
    # only read, as migrate-store reads its source; a store an older bot left is copied as it is
    source = SQLiteStore(location, migrate=False, writable=False, any_version=True, setting=store_setting(config))
    counts = backup(source, args.file)
    print(f"backed up {source.path} to {args.file} (readable by you only: it holds members' questions)")
    for table, rows in counts:
        print(f"{table}: {rows}")
    return 0


def cmd_manifest(args) -> int:
    from bot.manifest import manifest_yaml
    print(manifest_yaml(_config(args)), end="")
    return 0


def cmd_run(args) -> int:
    from bot.app import SlackEnv
    slack = SlackEnv.from_environ()
    # Slack's other secrets set: the bot token is missing or misspelt, not wanted absent. `serve`
    # says which (exit 2); the chat read an empty stdin under a service and exited 0, bot down.
    if slack.bot_token or slack.app_token or slack.signing_secret:
        return cmd_serve(args)
    print("No SLACK_BOT_TOKEN set: running the terminal chat instead of Slack.", file=sys.stderr)
    return cmd_chat(args)


COMMANDS = {"ask": cmd_ask, "chat": cmd_chat, "walkthrough": cmd_walkthrough, "eval": cmd_eval,
            "validate": cmd_validate, "bench": cmd_bench, "report": cmd_report, "serve": cmd_serve,
            "health": cmd_health, "migrate-store": cmd_migrate_store, "import-pack": cmd_import_pack,
            "queue": cmd_queue, "answer": cmd_answer, "asks-from-reps": cmd_asks_from_reps, "manifest": cmd_manifest,
            "run": cmd_run, "backup": cmd_backup}
