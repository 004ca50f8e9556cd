from quizgen.cli import run

run()
