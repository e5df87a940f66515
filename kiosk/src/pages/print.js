// The ticket's print layout: the print button, and in kiosk mode (`auto=1`)
// printing at once, then back to the entrance.
(function () {
  'use strict';
  var root = document.getElementById('print');
  var slip = document.getElementById('slip');
  if (!root || !slip) return;
  // The page is the paper: `@page` takes no variable, so the size is set
  // here from the slip's width (58 or 80 mm), the height from its content.
  var mm = 96 / 25.4;
  var width = slip.getAttribute('data-width');
  var height = Math.ceil(slip.getBoundingClientRect().height / mm) + 2;
  var style = document.createElement('style');
  style.textContent = '@page{size:' + width + 'mm ' + height + 'mm;margin:0}';
  document.head.appendChild(style);
  document.getElementById('print-now').addEventListener('click', function () { window.print(); });
  if (root.getAttribute('data-auto') === '1') {
    window.addEventListener('afterprint', function () { window.location.assign('/'); });
    window.print();
  }
})();
