namespace Stp.Models;

/// <summary>Why a state dict does not fit a module.</summary>
public enum StateDictMismatchKind
{
    /// <summary>The module has a parameter the state dict lacks.</summary>
    MissingKey,

    /// <summary>The state dict has an entry the module does not know.</summary>
    UnexpectedKey,

    /// <summary>Both have the key, with different shapes.</summary>
    ShapeMismatch,
}
