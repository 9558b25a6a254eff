// Ticket page: insert the chosen scenario script (facts already filled in) into the reply.
(() => {
  const picker = document.getElementById("script-picker");
  const body = document.getElementById("reply-body");
  if (!picker || !body) return;
  picker.addEventListener("change", () => {
    const option = picker.selectedOptions[0];
    if (!option || !option.dataset.text) return;
    body.value = body.value ? `${body.value}\n${option.dataset.text}` : option.dataset.text;
    body.focus();
    picker.value = "";
  });
})();
