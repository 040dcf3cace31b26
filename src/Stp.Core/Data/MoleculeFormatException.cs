namespace Stp.Data;

/// <summary>A molecule file is malformed. The message names the file, the record and the line.</summary>
public sealed class MoleculeFormatException : DataFileException
{
    /// <summary>Creates the exception.</summary>
    public MoleculeFormatException(string file, int record, int line, string problem)
        : base(file, problem, $"record {record}, line {line}")
    {
        Record = record; Line = line;
    }

    /// <summary>1-based record (molecule) number.</summary>
    public int Record { get; }
    /// <summary>1-based line number.</summary>
    public int Line { get; }
}
