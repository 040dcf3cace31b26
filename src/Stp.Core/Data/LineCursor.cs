namespace Stp.Data;

/// <summary>A text reader with lookahead (for readers that resynchronise on the next record); counts 1-based line numbers.</summary>
internal sealed class LineCursor(TextReader reader)
{
    private readonly List<string?> _ahead = new();

    /// <summary>Number of the last line returned by <see cref="Next"/> (0 before the first).</summary>
    public int Number { get; private set; }

    /// <summary>The next line without consuming it (null at the end).</summary>
    public string? Peek() => PeekAt(0);

    /// <summary>The line <paramref name="k"/> positions after the next one (0 = the next line), without consuming.</summary>
    public string? PeekAt(int k)
    {
        while (_ahead.Count <= k)
        {
            var line = reader.ReadLine();
            _ahead.Add(line);
            if (line is null) break;
        }
        return k < _ahead.Count ? _ahead[k] : null;
    }

    /// <summary>Consumes and returns the next line (null at the end).</summary>
    public string? Next()
    {
        var line = Peek();
        if (_ahead.Count > 0) _ahead.RemoveAt(0);
        if (line is not null) Number++;
        return line;
    }
}
