namespace Stp.Models;

/// <summary>
/// Announces an <see cref="IModelComponentFactory"/> of an assembly:
/// <c>[assembly: ModelComponentFactory(typeof(EgnnDenoiserFactory))]</c>. When a model file names a component type
/// that is not registered, <see cref="ModelComponents"/> loads the assembly named in the description and registers
/// the factories it announces.
/// </summary>
/// <param name="factoryType">A type with a public parameterless constructor implementing <see cref="IModelComponentFactory"/>.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ModelComponentFactoryAttribute(Type factoryType) : Attribute
{
    /// <summary>The factory type.</summary>
    public Type FactoryType { get; } = factoryType;
}
