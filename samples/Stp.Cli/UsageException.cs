namespace Stp.Cli;

/// <summary>A wrong command line found by a command (an invalid option value): printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
