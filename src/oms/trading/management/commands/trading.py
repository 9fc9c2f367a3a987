"""oms trading check | report --date D --format cat|rts22 | day-end [--date D]."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from oms.core.services.company import company_default
from oms.trading.regulatory import cat_lines, rts22_csv
from oms.trading.selectors import events_of_day, fills_of_day
from oms.trading.services import positions_check, trading_day_end


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = ("Trading tools: 'check' proves positions equal their fills; 'report --date D --format cat|rts22' writes "
            "the day's regulator-style report; 'day-end' expires the day's orders and keeps GTC ones working.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="compare every stored position with the replay of its fills and allocations")
        report = sub.add_parser("report", help="a day's CAT-style order events or RTS 22-style transactions")
        report.add_argument("--date", required=True, help="the trading day, YYYY-MM-DD (UTC)")
        report.add_argument("--format", choices=["cat", "rts22"], required=True)
        report.add_argument("--output", help="a file to write (default: standard output)")
        report.add_argument("--firm-id", default="", help="CAT reporter IMID / executing entity LEI "
                                                          "(default: the company's tax id)")
        day_end = sub.add_parser("day-end", help="close a trading day")
        day_end.add_argument("--date", help="the day to close, YYYY-MM-DD (default: today, UTC)")

    def handle(self, *args, action, **options):
        if action == "check":
            problems = positions_check()
            if not problems:
                self.stdout.write("trading OK: every position equals its fills")
                return
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"trading INCONSISTENT: {len(problems)} position(s) differ from their fills")
        if action == "day-end":
            result = trading_day_end(day=_date(options["date"]) if options.get("date") else None)
            self.stdout.write(f"day closed: {result['expired']} order(s) expired, "
                              f"{result['kept_working']} good-till order(s) kept working")
            return
        day = _date(options["date"])
        firm_id = options["firm_id"] or company_default().tax_id or "FIRM"
        if options["format"] == "cat":
            text = "".join(line + "\n" for line in cat_lines(events_of_day(day=day).iterator(), firm_id=firm_id))
        else:
            text = rts22_csv(fills_of_day(day=day).iterator(), firm_id=firm_id)
        if options.get("output"):
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text)
            self.stdout.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
