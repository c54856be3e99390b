#!/usr/bin/env python3
"""The code blocks of one README section, for CI.

  readme_snippets.py extract "SECTION" OUTDIR   writes the section's csharp blocks to OUTDIR (named by a first-line
                                                comment "// path/File.cs", else Snippet1.cs, Snippet2.cs, ...) and a
                                                json block to OUTDIR/appsettings.json
  readme_snippets.py check "SECTION" DIR        fails unless the section's csharp and json blocks are exactly the .cs
                                                files and appsettings.json of DIR (the README shows the sample whole)
"""
import difflib
import os
import re
import sys


def blocks(section_title):
    text = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    parts = re.split(r"^## ", text, flags=re.M)
    matches = [p for p in parts if p.startswith(section_title + "\n")]
    if len(matches) != 1:
        sys.exit(f"README.md has no single section '## {section_title}'")
    return re.findall(r"^```(csharp|json)\n(.*?)^```", matches[0], flags=re.S | re.M)


def name_of(lang, body, index):
    if lang == "json":
        return "appsettings.json"
    first = body.splitlines()[0] if body else ""
    m = re.match(r"//\s*(\S+\.cs)\s*$", first)
    return os.path.basename(m.group(1)) if m else f"Snippet{index}.cs"


def main():
    command, section, folder = sys.argv[1], sys.argv[2], sys.argv[3]
    found = {name_of(lang, body, i + 1): body for i, (lang, body) in enumerate(blocks(section))}
    if not found:
        sys.exit(f"section '{section}' has no csharp or json block")
    if command == "extract":
        os.makedirs(folder, exist_ok=True)
        for name, body in found.items():
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                f.write(body)
        print(f"{len(found)} block(s) of '{section}': {', '.join(sorted(found))}")
    elif command == "check":
        files = {n for n in os.listdir(folder) if n.endswith(".cs") or n == "appsettings.json"}
        problems = []
        for name in sorted(files | set(found)):
            if name not in found:
                problems.append(f"{folder}/{name} is not shown in the README section '{section}'")
            elif name not in files:
                problems.append(f"the README section '{section}' shows {name}, which {folder} does not have")
            else:
                actual = open(os.path.join(folder, name), encoding="utf-8").read()
                if actual != found[name]:
                    diff = difflib.unified_diff(actual.splitlines(), found[name].splitlines(), f"{folder}/{name}", f"README: {name}", lineterm="")
                    problems.append("\n".join(diff))
        if problems:
            print("\n".join(problems))
            sys.exit(1)
        print(f"the README section '{section}' shows {folder} whole ({len(files)} files)")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
