namespace Stp.Data;

/// <summary>A molecule file is malformed. The message names the file, the record and the line.</summary>
public sealed class MoleculeFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public MoleculeFormatException(string file, int record, int line, string problem)
        : base($"{file}: record {record}, line {line}: {problem}")
    {
        File = file; Record = record; Line = line; Problem = problem;
    }

    /// <summary>File name or path.</summary>
    public string File { get; }
    /// <summary>1-based record (molecule) number.</summary>
    public int Record { get; }
    /// <summary>1-based line number.</summary>
    public int Line { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
