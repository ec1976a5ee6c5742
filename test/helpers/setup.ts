// Tests look at behaviour, not at log lines: keep the output readable.
process.env.ACCORD_LOG_LEVEL ??= 'silent'
