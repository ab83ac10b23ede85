from tests.bench.run import main

# Guarded: the load generator's spawned process imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())
