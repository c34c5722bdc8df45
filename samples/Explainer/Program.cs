// CNN Explainer for the project's own models: a Blazor WebAssembly page, static files only. Everything it shows is
// computed in the browser by the generated networks (FashionCnn and DigitsCnn in Models.cs).
using System.Globalization;
using Explainer;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var builder = WebAssemblyHostBuilder.CreateDefault(args);
builder.RootComponents.Add<App>("#app");
await builder.Build().RunAsync();
