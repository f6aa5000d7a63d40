from faultmaven.cli.main import run

run()
