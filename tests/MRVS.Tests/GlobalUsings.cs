global using MRVS.Core.Errors;
global using NUnit.Framework;
