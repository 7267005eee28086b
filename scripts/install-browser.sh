#!/usr/bin/env bash
# Debian's Chromium (and a small CJK font, so its screenshots show Chinese) for the served desk's headless-browser
# test, tests/tui/test_desk_in_browser.py. Idempotent and quiet: nothing to do when both are there. It never fails
# the build: where they cannot be installed (not root, no apt-get, no package source) it says why, and the test
# skips, except under CI=true, where it fails.
set -u
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
[ -x /usr/bin/chromium ] && [ -e "$FONT" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; the browser test will not run" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install-browser: not root; install Debian's chromium to run the browser test" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
install() { $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null 2>&1; }
if ! install; then
    # The package lists may be missing or old on a fresh machine: read them once, then try again.
    $SUDO apt-get update -qq >/dev/null 2>&1
    install || echo "install-browser: apt-get install chromium failed; the browser test will not run" >&2
fi
exit 0
