"""One service function, reached from HTTP, a task, a command and a test."""
