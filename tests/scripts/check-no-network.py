#!/usr/bin/python3
"""check-no-network.py: Fovea opens no network connection (README, "What
Fovea promises").

  1. The program imports no networking entry point: no socket(), connect(),
     name lookup, nor GIO's socket, resolver or network-monitor API
     (nm -D --undefined-only). Code statically linked in from Fovea's own
     libraries would show up here too.
  2. When strace(1) can trace here, a run of the program (ARGS) makes no
     network system call at all.

Usage: check-no-network.py PROGRAM [ARGS...]   (exit 1 naming what it found)
"""
import re
import shutil
import subprocess
import sys

NETWORK_SYMBOLS = re.compile(
    r'^(socket|socketpair|connect|bind|listen|accept4?|sendto|sendmsg|recvfrom|'
    r'getaddrinfo|gethostbyname2?(_r)?|getnameinfo|res_n?query|'
    r'g_socket_\w+|g_resolver_\w+|g_network_\w+|g_inet_socket_address_\w+|'
    r'g_dbus_\w+|curl_\w+|soup_\w+)$')


def imported_network_symbols(program):
    out = subprocess.run(['nm', '-D', '--undefined-only', program], check=True,
                         capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        name = line.split()[-1].split('@')[0]
        if NETWORK_SYMBOLS.match(name):
            found.append(name)
    return found


def traced_network_calls(argv):
    """Network system calls strace saw, or None when strace cannot run here."""
    if shutil.which('strace') is None:
        return None
    run = subprocess.run(['strace', '-f', '-qq', '-e', 'trace=%network', '-o', '/dev/stderr']
                         + argv, capture_output=True, text=True)
    if 'PTRACE_TRACEME' in run.stderr or 'Operation not permitted' in run.stderr:
        return None
    return [line for line in run.stderr.splitlines()
            if re.match(r'^(\[pid +\d+\] |\d+ +)?\w+\(', line)]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    program = sys.argv[1]
    failures = []
    symbols = imported_network_symbols(program)
    if symbols:
        failures.append('%s imports networking functions: %s' % (program, ', '.join(symbols)))
    calls = traced_network_calls(sys.argv[1:])
    if calls is None:
        print('# strace cannot trace here: checked the imports only')
    elif calls:
        failures.append('network system calls:\n  ' + '\n  '.join(calls))
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
