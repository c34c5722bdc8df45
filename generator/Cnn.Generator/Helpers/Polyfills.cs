// Types the C# compiler needs for records and init accessors, absent from netstandard2.0.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit;
}
