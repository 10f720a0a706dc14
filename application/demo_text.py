"""Plausible text for demo data (names, titles, bodies, comments, tags), from word lists and a seeded `random`.

Everything here stays well inside the domain's limits, on one line where the domain wants one line, and uses no
control characters other than newlines in bodies; tests/unit/application/test_seeding.py holds every generated
entity to the domain's rules.
"""

import random
import re
from collections.abc import Sequence
from typing import Final

FIRST_NAMES: Final = (
    "aiko", "alejandro", "amara", "anders", "ananya", "andrei", "aroha", "astrid", "ayesha", "beatriz", "bilal",
    "bjorn", "camille", "carlos", "chen", "chiara", "chloe", "dmitri", "elena", "emeka", "emma", "esra", "farah",
    "fatima", "felix", "finn", "freya", "gabriel", "grace", "hana", "hannah", "hiroshi", "ibrahim", "ines", "ingrid",
    "isabel", "ivan", "jakob", "james", "jana", "javier", "jin", "joao", "jonas", "julia", "kai", "kamala", "karim",
    "katarzyna", "kenji", "kofi", "lars", "layla", "leila", "leon", "lina", "lucas", "lucia", "luis", "maja", "malik",
    "marco", "maria", "mateo", "maya", "mei", "mia", "miguel", "mohammed", "nadia", "naomi", "nia", "nikolai", "nina",
    "noah", "nora", "olga", "oliver", "omar", "oskar", "paula", "pedro", "priya", "rafael", "rahul", "rania", "ravi",
    "rosa", "ruth", "sakura", "samir", "sara", "sebastian", "sofia", "sven", "tariq", "thabo", "tomas", "valentina",
    "vikram", "wei", "yara", "yuki", "yusuf", "zara", "zeynep", "zoe",
)  # fmt: skip
LAST_NAMES: Final = (
    "abe", "adeyemi", "ahmed", "alvarez", "andersen", "bauer", "becker", "bianchi", "costa", "cruz", "dubois",
    "eriksson", "fernandez", "fischer", "garcia", "gonzalez", "gupta", "hansen", "hoffmann", "hussain", "ivanova",
    "jansen", "jensen", "kaur", "khan", "kim", "kowalski", "kumar", "larsen", "laurent", "lee", "lopez", "martin",
    "meyer", "mohamed", "moreau", "muller", "nakamura", "nguyen", "nielsen", "novak", "okafor", "olsen", "ortiz",
    "park", "patel", "perez", "petrov", "popescu", "ramirez", "reyes", "ricci", "rossi", "sanchez", "santos", "sato",
    "schmidt", "schneider", "silva", "singh", "smith", "suzuki", "tanaka", "torres", "wagner", "walker", "wang",
    "weber", "wilson", "wojcik", "yamamoto", "yilmaz", "zhang", "zhou",
)  # fmt: skip
_AN: Final = re.compile(r"\b([Aa]) (?=[aeioAEIO])")
EMAIL_DOMAINS: Final = ("example.com", "example.org", "example.net")  # reserved: no real mailbox gets demo mail

TECH: Final = (
    "Python", "Rust", "Go", "TypeScript", "JavaScript", "Kotlin", "Elixir", "Haskell", "Swift", "Java", "C#",
    "PostgreSQL", "SQLite", "Redis", "Kafka", "Kubernetes", "Docker", "Terraform", "React", "Vue", "Svelte",
    "Angular", "FastAPI", "Django", "Rails", "Spring Boot", "Node.js", "Deno", "GraphQL", "gRPC", "WebAssembly",
    "Nginx", "Linux", "Git", "Bash", "Prometheus", "OpenTelemetry", "Tailwind CSS", "Next.js", "Flutter",
)  # fmt: skip
THINGS: Final = (
    "REST API", "command-line tool", "static site", "design system", "data pipeline", "search engine", "job queue",
    "chat app", "blog", "mobile app", "browser extension", "feature flag service", "rate limiter", "monorepo",
    "test suite", "CI pipeline", "dashboard", "recommendation engine", "payment flow", "plugin system",
    "web crawler", "URL shortener", "markdown editor", "game engine", "home lab",
)  # fmt: skip
CONCEPTS: Final = (
    "caching", "concurrency", "dependency injection", "event sourcing", "observability", "type inference",
    "database indexing", "connection pooling", "memory leaks", "code review", "technical debt", "pair programming",
    "accessibility", "error handling", "backpressure", "idempotency", "schema migrations", "feature flags",
    "on-call", "pagination", "property-based testing", "domain-driven design", "structured logging",
    "graceful shutdown", "load shedding", "rate limiting", "immutability", "lazy loading", "code generation",
    "distributed tracing", "zero-downtime deploys", "API versioning", "full-text search", "state machines",
)  # fmt: skip
VERBS: Final = (
    "build", "ship", "scale", "test", "profile", "refactor", "deploy", "secure", "monitor", "document", "design",
    "debug", "benchmark", "migrate", "automate", "simplify",
)  # fmt: skip
ADJECTIVES: Final = (
    "tiny", "fast", "boring", "resilient", "accessible", "offline-first", "type-safe", "serverless", "self-hosted",
    "maintainable", "observable", "minimal", "production-ready", "real-time", "cheap", "secure",
)  # fmt: skip
ROLES: Final = (
    "Backend engineer", "Frontend developer", "Site reliability engineer", "Data engineer", "Engineering manager",
    "Indie hacker", "Open-source maintainer", "Security researcher", "Mobile developer", "Staff engineer",
    "Developer advocate", "CS student", "Full-stack developer", "Platform engineer", "Technical writer",
)  # fmt: skip
PLACES: Final = (
    "a small startup", "a big bank", "a design agency", "a hospital", "a game studio", "a university",
    "a logistics company", "a newspaper", "a non-profit", "home", "a climate-tech company", "a public library",
)  # fmt: skip
TAG_WORDS: Final = (
    "python", "rust", "go", "javascript", "typescript", "kotlin", "elixir", "haskell", "swift", "java", "csharp",
    "cpp", "ruby", "php", "scala", "clojure", "zig", "postgres", "sqlite", "redis", "kafka", "kubernetes", "docker",
    "terraform", "react", "vue", "svelte", "angular", "fastapi", "django", "rails", "spring", "nodejs", "deno",
    "graphql", "grpc", "wasm", "nginx", "linux", "git", "bash", "testing", "devops", "career", "productivity",
    "security", "databases", "performance", "architecture", "design", "ux", "accessibility", "frontend", "backend",
    "mobile", "cloud", "aws", "azure", "gcp", "serverless", "microservices", "monolith", "api", "rest", "http",
    "networking", "observability", "logging", "metrics", "tracing", "ci", "cd", "automation", "tooling", "editors",
    "vim", "emacs", "vscode", "opensource", "community", "beginners", "tutorial", "webdev", "css", "html", "ai",
    "machinelearning", "datascience", "dataengineering", "analytics", "algorithms", "datastructures", "math",
    "compilers", "concurrency", "distributedsystems", "embedded", "iot", "gamedev", "graphics", "audio", "crypto",
    "privacy", "refactoring", "codereview", "documentation", "writing", "leadership", "management", "hiring",
    "interviews", "remote", "startups", "freelancing", "learning", "showdev", "discuss", "news", "opinion",
    "retrospective", "caching", "search", "queues", "events", "functional", "oop", "typesafety", "debugging",
    "profiling", "migrations", "scaling", "reliability", "incidents", "oncall", "sre", "platform", "infra",
    "homelab", "raspberrypi", "arduino", "cli", "terminal", "shell", "markdown", "static", "jamstack", "pwa",
    "offline", "i18n", "unicode", "dates", "regex", "json", "yaml", "sql", "nosql", "orm",
)  # fmt: skip

TITLE_TEMPLATES: Final = (
    "How to {verb} a {adjective} {thing} with {tech}",
    "{n} things I wish I knew about {concept}",
    "Why we moved from {tech} to {tech2}",
    "A practical guide to {concept}",
    "{tech} in production: lessons learned",
    "Understanding {concept} in {tech}",
    "The hidden cost of {concept}",
    "Building a {adjective} {thing} in {tech}",
    "What nobody tells you about {concept}",
    "{tech} vs {tech2}: an honest comparison",
    "Notes on {concept}",
    "From zero to {thing} in a weekend",
    "Debugging {concept} at scale",
    "Testing a {thing} without tears",
    "My first year with {tech}",
    "{concept} for the rest of us",
    "We rewrote our {thing} in {tech}. Here is what happened",
    "{n} mistakes I made with {concept}",
    "Is {tech} still worth learning?",
    "The {adjective} way to {verb} your {thing}",
)  # fmt: skip
SENTENCE_TEMPLATES: Final = (
    "Most teams reach for {tech} first, and that is usually fine.",
    "The trick is to treat {concept} as a design decision, not an afterthought.",
    "We learned this the hard way when our {thing} fell over on a Monday morning.",
    "If you only remember one thing, make it this: measure before you {verb}.",
    "{tech} makes the easy parts easy, but {concept} is still on you.",
    "It took us {n} iterations to get {concept} right.",
    "Nobody enjoys {concept}, yet every {thing} needs it sooner or later.",
    "Here is the smallest example I could come up with.",
    "The documentation for {tech} is good, but it skips the part that bit us.",
    "A {adjective} {thing} beats a clever one every single time.",
    "We started with a spreadsheet of every incident from the last {n} months.",
    "Once we added {concept}, the pager went quiet.",
    "You do not need {tech} to {verb} a {thing}; you need a clear picture of the data.",
    "The first version was {n} lines long and did exactly one thing well.",
    "Our benchmarks showed a {n}x difference, which surprised everyone.",
    "Think of {concept} as a contract between your {thing} and its users.",
    "I keep coming back to {tech} because it gets out of the way.",
    "The real problem was never {tech}; it was {concept}.",
    "Write the test first, then make the {thing} pass it.",
    "Reading the source of {tech} taught me more than any tutorial.",
    "This is where {concept} stops being theory and starts paying rent.",
    "There is a simpler way, and it involves deleting code.",
    "Every {thing} I have shipped got better after a round of {concept}.",
    "Our on-call engineers now sleep through the night, mostly.",
    "If your {thing} cannot explain its own failures, add {concept} before anything else.",
    "We rolled it out behind a flag to {n} percent of traffic.",
    "Half of the work was naming things well.",
    "The migration took a weekend and saved us months.",
    "Keep the happy path boring and the error path loud.",
    "In hindsight, {tech} was the right call for a {adjective} {thing}.",
    "Your future self will thank you for {concept}.",
    "Start small: one {thing}, one team, one week.",
    "We wrote down every assumption and then tried to break each one.",
    "The numbers below come from a {adjective} {thing} serving real users.",
    "Good defaults matter more than configuration options.",
    "{concept} is not free, but it is cheaper than the alternative.",
)  # fmt: skip
HEADINGS: Final = (
    "Why this matters", "The setup", "What went wrong", "The fix", "Measuring it", "Trade-offs", "In practice",
    "A minimal example", "Lessons learned", "What I would do differently", "Going further", "The short version",
    "Background", "Results", "Wrapping up",
)  # fmt: skip
DESCRIPTION_TEMPLATES: Final = (
    "A short tour of {concept} for people who ship a {thing}.",
    "What {n} years of {tech} taught me about {concept}.",
    "Everything we learned running {tech} in production.",
    "A hands-on walkthrough, with code you can copy.",
    "An opinionated take on {concept} and why it matters.",
    "How a {adjective} {thing} changed the way our team works.",
    "The checklist I use before I {verb} anything with {tech}.",
    "Spoiler: it was {concept} all along.",
)  # fmt: skip
COMMENT_SENTENCES: Final = (
    "Great write-up, thanks for sharing!", "This is exactly what I needed today.",
    "Have you tried doing this with {tech}?", "We hit the same problem with our {thing}.",
    "I disagree a bit about {concept}, but the rest is spot on.", "Bookmarked.", "Could you share the full code?",
    "The part about {concept} finally made it click for me.", "How does this scale past {n} users?",
    "Sending this to my whole team.", "Nice! Looking forward to part two.", "Clear and to the point.",
    "I learned something new, thank you.", "What about testing it?", "We ended up with a very similar design.",
    "This deserves more attention.", "Small typo in the second section, otherwise great.",
    "Interesting take on {tech}.", "Solid advice for anyone building a {thing}.", "+1 on keeping things boring.",
)  # fmt: skip
BIO_TEMPLATES: Final = (
    "{role} at {place}. I write about {concept} and {tech}.",
    "{role}. Mostly {tech}, sometimes {tech2}, always curious.",
    "{role} at {place}. Opinions my own.",
    "Building a {adjective} {thing} in my spare time.",
    "{role}. Into {concept}, coffee and long walks.",
)  # fmt: skip


def fill(template: str, rng: random.Random) -> str:
    """A template with its `{slots}` filled at random (only the slots it has are drawn)."""
    slots: dict[str, object] = {}
    if "{tech" in template:
        slots["tech"], slots["tech2"] = rng.sample(TECH, 2)
    if "{thing}" in template:
        slots["thing"] = rng.choice(THINGS)
    if "{concept}" in template:
        slots["concept"] = rng.choice(CONCEPTS)
    if "{verb}" in template:
        slots["verb"] = rng.choice(VERBS)
    if "{adjective}" in template:
        slots["adjective"] = rng.choice(ADJECTIVES)
    if "{n}" in template:
        slots["n"] = rng.randint(2, 12)
    if "{role}" in template:
        slots["role"] = rng.choice(ROLES)
    if "{place}" in template:
        slots["place"] = rng.choice(PLACES)
    text = _AN.sub(r"\1n ", template.format(**slots))  # "a offline-first app" → "an offline-first app"
    return text[0].upper() + text[1:]


class TextMaker:
    """Titles, bodies and comments for one seeding run.

    Sentences are drawn from a pool filled once per run: a body is then a few cheap list picks, which keeps a
    million articles within minutes.
    """

    POOL_SIZE: Final = 3_000

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._sentences = [fill(rng.choice(SENTENCE_TEMPLATES), rng) for _ in range(self.POOL_SIZE)]
        self._descriptions = [fill(rng.choice(DESCRIPTION_TEMPLATES), rng) for _ in range(self.POOL_SIZE // 10)]
        self._comments = [fill(rng.choice(COMMENT_SENTENCES), rng) for _ in range(self.POOL_SIZE // 10)]

    def title(self) -> str:
        return fill(self._rng.choice(TITLE_TEMPLATES), self._rng)

    def description(self) -> str:
        return self._rng.choice(self._descriptions)

    def body(self) -> str:
        """Markdown: a few paragraphs, some under a heading, sometimes a bullet list."""
        rng, blocks = self._rng, []
        for index in range(rng.randint(3, 6)):
            if index and rng.random() < 0.4:
                blocks.append(f"## {rng.choice(HEADINGS)}")
            blocks.append(" ".join(rng.choices(self._sentences, k=rng.randint(3, 6))))
            if rng.random() < 0.15:
                blocks.append("\n".join(f"- {sentence}" for sentence in rng.choices(self._sentences, k=3)))
        return "\n\n".join(blocks)

    def comment(self) -> str:
        return " ".join(self._rng.choices(self._comments, k=self._rng.randint(1, 3)))

    def bio(self) -> str | None:
        return fill(self._rng.choice(BIO_TEMPLATES), self._rng) if self._rng.random() < 0.6 else None


def tag_names(count: int, rng: random.Random) -> list[str]:
    """`count` distinct, realistic tag names, most popular first: single words, then pairs, then numbered."""
    words = list(TAG_WORDS)
    rng.shuffle(words)
    names = words[:count]
    if len(names) < count:
        pairs = [f"{first}-{second}" for first in words for second in words if first != second]
        rng.shuffle(pairs)
        names.extend(pairs[: count - len(names)])
    serial = 0
    while len(names) < count:
        serial += 1
        names.append(f"{words[serial % len(words)]}-{serial}")
    return names


def usernames(count: int, rng: random.Random) -> list[str]:
    """`count` distinct usernames like `maria_garcia`, `mgarcia` or `maria_garcia42` (no spaces, no `/`)."""
    taken: set[str] = set()
    names: list[str] = []
    patterns: Sequence[str] = ("{f}_{l}", "{f}{l}", "{i}{l}", "{f}_{l}{n}", "{f}{n}", "{l}_{f}")
    while len(names) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = rng.choice(patterns).format(f=first, l=last, i=first[0], n=rng.randint(1, 99))
        while name in taken:
            name = f"{name}{rng.randint(0, 9)}"
        taken.add(name)
        names.append(name)
    return names


def email_for(username: str, rng: random.Random) -> str:
    """Unique when usernames are: `maria_garcia` → `maria.garcia@example.org` (usernames here have no dots)."""
    return f"{username.replace('_', '.')}@{rng.choice(EMAIL_DOMAINS)}"
