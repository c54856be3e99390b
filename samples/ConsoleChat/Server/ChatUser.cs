namespace ConsoleChat.Server;

/// <summary>An authenticated user. The demo server uses the token as both the id and the user name.</summary>
internal sealed record ChatUser(string Id, string Username);
