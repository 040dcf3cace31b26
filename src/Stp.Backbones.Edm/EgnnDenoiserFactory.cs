using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Models;

[assembly: ModelComponentFactory(typeof(Stp.Backbones.Edm.EgnnDenoiserFactory))]

namespace Stp.Backbones.Edm;

/// <summary>
/// Rebuilds an <see cref="EgnnDenoiser"/> from a model file's description (type "edm.egnn", options = the
/// <see cref="EgnnOptions"/> as JSON). Announced to <see cref="ModelComponents"/> by an assembly attribute, so
/// <c>DiffusionModel.Load</c> finds it once this package is referenced.
/// </summary>
public sealed class EgnnDenoiserFactory : IModelComponentFactory
{
    /// <summary>The component type id.</summary>
    public const string TypeId = "edm.egnn";

    /// <inheritdoc />
    public string Type => TypeId;

    /// <inheritdoc />
    public object Create(ComponentDescription description, ModelBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(context);
        EgnnOptions options;
        try
        {
            options = description.Options?.Deserialize<EgnnOptions>(ModelDescription.JsonOptions) ?? EgnnOptions.Qm9;
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"Invalid EGNN options in the model description: {e.Message}", e);
        }
        return new EgnnDenoiser(options, context.Device);
    }

    /// <summary>The description of an EGNN with <paramref name="options"/>.</summary>
    public static ComponentDescription Describe(EgnnOptions options) =>
        new(TypeId, JsonSerializer.SerializeToNode(options, ModelDescription.JsonOptions)!.AsObject(), typeof(EgnnDenoiserFactory).Assembly.GetName().Name);
}
