"""Print the settings as a Markdown table (pasted into the README's Configuration section)."""

from __future__ import annotations

from khabar.config.settings import Settings


def env_names(name: str) -> str:
    field = Settings.model_fields[name]
    alias = field.validation_alias
    if alias is not None and hasattr(alias, "choices"):
        return " or ".join(f"`{c}`" for c in reversed(alias.choices))
    return f"`KHABAR_{name.upper()}`"


def main() -> None:
    print("| variable | default | meaning |")
    print("| --- | --- | --- |")
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "unset" if default is None else f"`{default}`"
        if field.default_factory is not None:  # computed where it runs (the data directory: per user)
            shown = "see meaning"
        print(f"| {env_names(name)} | {shown} | {field.description or ''} |")


if __name__ == "__main__":
    main()
