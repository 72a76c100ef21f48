"""The text of the bash, zsh and fish completion scripts, from the commands and options
that ``completion`` reads from the argument parser."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    """One option: its spellings, help, and what its value completes to."""

    flags: tuple[str, ...]
    help: str
    value: str | None = None  # None (a flag), "file", "dir", "words" or "any"
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    """One subcommand: its options and what its positional arguments complete to."""

    name: str
    help: str
    options: tuple[Option, ...]
    positional: str | None = None  # None, "tasks", "words" or "file"
    words: tuple[str, ...] = field(default=())


# The scripts pass -f FILE / -C DIR on to `pipekit list --names`, and skip the value of the
# other global option that takes one when looking for the subcommand.
_SKIP = "--color"
_EXTRA = (Option(("-l", "--list"), "list the tasks (pipekit list)"),)


def _flags(options: tuple[Option, ...]) -> str:
    return " ".join(f for o in options for f in o.flags)


def _values_case(options: tuple[Option, ...], file: str, dir_: str, words: str) -> list[str]:
    """Case arms completing the value of the options that take one."""
    arms = []
    for o in options:
        pattern = "|".join(o.flags)
        if o.value == "file":
            arms.append(f"        {pattern}) {file}; return;;")
        elif o.value == "dir":
            arms.append(f"        {pattern}) {dir_}; return;;")
        elif o.value == "words":
            arms.append(f"        {pattern}) {words.format(' '.join(o.words))}; return;;")
        elif o.value == "any":
            arms.append(f"        {pattern}) return;;")
    return arms


def bash(globals_: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    """``source <(pipekit completion bash)``, or save it in bash-completion's folder."""
    every = {o.flags: o for c in commands for o in c.options} | {o.flags: o for o in globals_}
    value_arms = _values_case(
        tuple(every.values()),
        'COMPREPLY=($(compgen -f -- "$cur"))',
        'COMPREPLY=($(compgen -d -- "$cur"))',
        'COMPREPLY=($(compgen -W "{}" -- "$cur"))',
    )
    command_arms = []
    for c in commands:
        words = {
            "tasks": '$(pipekit "${pass[@]}" list --names 2>/dev/null)',
            "words": " ".join(c.words),
        }.get(c.positional or "", "")
        files = "1" if c.positional == "file" else ""
        command_arms.append(
            f'        {c.name}) opts="{_flags(c.options)}"; words="{words}"; files={files};;'
        )
    names = " ".join(c.name for c in commands)
    top = _flags(globals_ + _EXTRA)
    nl = "\n"
    return f"""# bash completion for pipekit: source <(pipekit completion bash)
_pipekit() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local cmd="" ci=0 i opts="" words="" files="" pass=()
    # bash splits ml:train at ':' (COMP_WORDBREAKS): the task name being completed, whole
    local whole="$cur" j=$COMP_CWORD
    while ((j > 2)) && [[ ${{COMP_WORDS[j]}} == : || ${{COMP_WORDS[j-1]}} == : ]]; do
        ((j--)); whole="${{COMP_WORDS[j]}}$whole"
    done
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            -f|--file|-C|--directory) pass+=("${{COMP_WORDS[i]}}" "${{COMP_WORDS[i+1]}}"); ((i++));;
            {_SKIP}) ((i++));;
            -*) ;;
            *) [[ -z $cmd ]] && cmd="${{COMP_WORDS[i]}}" && ci=$i;;
        esac
    done
    case "$prev" in
{nl.join(value_arms)}
    esac
    case "$cmd" in
        "") opts="{top}"; words="{names}";;
{nl.join(command_arms)}
        *) return;;
    esac
{_BASH_REPLY}"""


# The end of bash's _pipekit: the replies, once opts, words and files are known.
_BASH_REPLY = """\
    if [[ $cur == -* ]]; then
        if [[ $cmd == run || $cmd == watch ]]; then  # and the named task's arguments
            local after="${COMP_WORDS[*]:ci+1:COMP_CWORD-ci-1}"
            opts="$opts $(pipekit "${pass[@]}" list --arguments-of="$after" 2>/dev/null)"
        fi
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    elif [[ -n $files ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    else  # offered whole, replied after the last ':' (the part bash replaces)
        COMPREPLY=($(compgen -W "$words" -- "$whole"))
        local colon="${whole%"${whole##*:}"}"
        [[ -n $colon ]] && COMPREPLY=("${COMPREPLY[@]#"$colon"}")
    fi
}
complete -F _pipekit pipekit
"""


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_item(name: str, help_text: str) -> str:
    """An item of ``_describe``'s list: ``name:help``, colons in the help escaped."""
    return _zsh_quote(name + ":" + help_text.replace(":", "\\:"))


def _zsh_specs(options: tuple[Option, ...]) -> str:
    return " ".join(_zsh_item(flag, o.help) for o in options for flag in o.flags)


def zsh(globals_: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    """``source <(pipekit completion zsh)`` after ``compinit`` in ~/.zshrc."""
    every = {o.flags: o for c in commands for o in c.options} | {o.flags: o for o in globals_}
    value_arms = _values_case(tuple(every.values()), "_files", "_files -/", "compadd -- {}")
    command_arms = []
    for c in commands:
        if c.positional == "tasks":
            then = 'compadd -- ${(f)"$(pipekit "${pass[@]}" list --names 2>/dev/null)"}'
        elif c.positional == "words":
            then = "compadd -- " + " ".join(c.words)
        elif c.positional == "file":
            then = "_files"
        else:
            then = ":"
        command_arms.append(
            f"        {c.name}) opts=({_zsh_specs(c.options)}); positional() {{ {then} }};;"
        )
    cmds = " ".join(_zsh_item(c.name, c.help) for c in commands)
    nl = "\n"
    return f"""#compdef pipekit
# zsh completion for pipekit: source <(pipekit completion zsh) after compinit
_pipekit() {{
    local cmd="" ci=0 i=2 cur=${{words[CURRENT]}} prev=${{words[CURRENT-1]}}
    local -a opts pass cmds
    while (( i < CURRENT )); do
        case ${{words[i]}} in
            -f|--file|-C|--directory) pass+=(${{words[i]}} ${{words[i+1]}}); (( i++ ));;
            {_SKIP}) (( i++ ));;
            -*) ;;
            *) [[ -z $cmd ]] && {{ cmd=${{words[i]}}; ci=$i }};;
        esac
        (( i++ ))
    done
    case $prev in
{nl.join(value_arms)}
    esac
    case $cmd in
        "") opts=({_zsh_specs(globals_ + _EXTRA)}); cmds=({cmds})
            positional() {{ _describe -t commands command cmds }};;
{nl.join(command_arms)}
        *) return 1;;
    esac
    if [[ $cur == -* ]]; then
        if [[ $cmd == (run|watch) ]]; then  # and the named task's arguments
            local after="${{words[ci+1,CURRENT-1]}}"
            opts+=(${{(f)"$(pipekit "${{pass[@]}}" list --arguments-of="$after" 2>/dev/null)"}})
        fi
        _describe -t options option opts
    else
        positional
    fi
}}
if (( $+functions[compdef] )); then
    compdef _pipekit pipekit
fi
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(o: Option, condition: str) -> str:
    parts = ["complete -c pipekit", f"-n {_fish_quote(condition)}"]
    for flag in o.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if o.value == "file":
        parts.append("-r -F")
    elif o.value == "dir":
        parts.append("-x -a '(__fish_complete_directories)'")
    elif o.value == "words":
        parts.append(f"-x -a {_fish_quote(' '.join(o.words))}")
    elif o.value == "any":
        parts.append("-x")
    parts.append(f"-d {_fish_quote(o.help)}")
    return " ".join(parts)


def fish(globals_: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    """``pipekit completion fish > ~/.config/fish/completions/pipekit.fish``."""
    lines = [_fish_option(o, "__pipekit_command ''") for o in globals_ + _EXTRA]
    for c in commands:
        lines.append(
            f"complete -c pipekit -n \"__pipekit_command ''\" -a {c.name} -d {_fish_quote(c.help)}"
        )
        lines.extend(_fish_option(o, f"__pipekit_command {c.name}") for o in c.options)
        if c.positional == "tasks":
            lines.append(
                f"complete -c pipekit -n '__pipekit_command {c.name}' -a '(__pipekit_tasks)'"
            )
        elif c.positional == "words":
            words = _fish_quote(" ".join(c.words))
            lines.append(f"complete -c pipekit -n '__pipekit_command {c.name}' -a {words}")
        elif c.positional == "file":
            lines.append(f"complete -c pipekit -n '__pipekit_command {c.name}' -F")
        if c.name in ("run", "watch"):  # and the named task's arguments
            lines.append(
                f"complete -c pipekit -n '__pipekit_command {c.name}' -a '(__pipekit_arguments)'"
            )
    body = "\n".join(lines)
    return f"""{_FISH_FUNCTIONS}complete -c pipekit -f
{body}
"""


# What fish's completions call: the subcommand and -f/-C of the line, tasks, arguments.
_FISH_FUNCTIONS = """\
# fish completion for pipekit:
#   pipekit completion fish > ~/.config/fish/completions/pipekit.fish
function __pipekit_words --description 'the subcommand of the command line, then -f/-C'
    set -l words (commandline -opc)
    set -e words[1]
    set -l cmd ''
    set -l pass
    while set -q words[1]
        switch $words[1]
            case -f --file -C --directory
                set -a pass $words[1] $words[2]
                set -e words[1]
            case --color
                set -e words[1]
            case '-*'
            case '*'
                test -z "$cmd"; and set cmd $words[1]
        end
        set -e words[1]
    end
    echo $cmd
    string join \\n -- $pass
end
function __pipekit_command --description 'true when the subcommand is $argv[1]'
    set -l found (__pipekit_words)
    test "$found[1]" = "$argv[1]"
end
function __pipekit_tasks --description 'the task names of pipeline.toml'
    set -l found (__pipekit_words)
    pipekit $found[2..-1] list --names 2>/dev/null
end
function __pipekit_arguments --description 'the arguments of the task named last'
    set -l found (__pipekit_words)
    set -l words (commandline -opc)
    set -l at (contains -i -- $found[1] $words)
    set -l after
    test -n "$at"; and test $at -lt (count $words); and set after $words[(math $at + 1)..-1]
    pipekit $found[2..-1] list --arguments-of="$after" 2>/dev/null
end
"""
