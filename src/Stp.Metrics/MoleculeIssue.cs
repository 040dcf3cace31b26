namespace Stp.Metrics;

/// <summary>Why a molecule could not be scored normally. Such molecules count as unstable and invalid.</summary>
public enum MoleculeIssue
{
    /// <summary>No problem with the input.</summary>
    None,
    /// <summary>The molecule has no atoms.</summary>
    Empty,
    /// <summary>The positions array does not hold 3 values per atom.</summary>
    LengthMismatch,
    /// <summary>An element is outside the dataset vocabulary (or unknown to the valence model).</summary>
    UnknownElement,
    /// <summary>A coordinate is NaN or infinite.</summary>
    NonFiniteCoordinates,
    /// <summary>Two atoms sit on top of each other (closer than the evaluator's overlap tolerance).</summary>
    OverlappingAtoms,
}
