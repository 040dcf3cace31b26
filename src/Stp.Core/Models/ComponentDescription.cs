using System.Text.Json.Nodes;

namespace Stp.Models;

/// <summary>How to rebuild one component of a model (a denoiser or a codec): its registered type and its options.</summary>
/// <param name="Type">The factory's type id, e.g. "edm.egnn" or "edm.features".</param>
/// <param name="Options">The component's options as JSON (its own schema).</param>
/// <param name="Assembly">The assembly that registers the factory (loaded on demand when the type is not registered yet).</param>
public sealed record ComponentDescription(string Type, JsonObject? Options = null, string? Assembly = null);
