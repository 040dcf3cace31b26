using System.Text.Json;

namespace Stp.Models;

/// <summary>Reading a component's options from its description, for <see cref="IModelComponentFactory"/> implementations.</summary>
public static class ComponentOptions
{
    /// <summary>
    /// Runs <paramref name="read"/> (which parses options and constructs what they describe) and reports a mistyped,
    /// missing or refused value as an <see cref="InvalidDataException"/> "Invalid <paramref name="component"/> options in
    /// the model description: ...".
    /// </summary>
    public static T Read<T>(string component, Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try { return read(); }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"Invalid {component} options in the model description: {e.Message}", e);
        }
    }
}
