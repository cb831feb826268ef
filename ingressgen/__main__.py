"""`python -m ingressgen` works the same as `ingressgen`."""

from ingressgen.launch import main

if __name__ == "__main__":
    main()
