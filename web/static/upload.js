// The KTP picker: the chosen file's name in place of the browser's own (English) words.
"use strict";
(function () {
  var input = document.querySelector("input.file-input");
  var name = document.getElementById("file-name");
  if (!input || !name) return;
  var none = name.textContent;
  input.addEventListener("change", function () {
    name.textContent = input.files && input.files.length ? input.files[0].name : none;
  });
})();
